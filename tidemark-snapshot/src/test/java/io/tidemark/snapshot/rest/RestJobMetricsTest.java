package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.TidemarkMetrics;
import io.tidemark.snapshot.rest.RestJobMetrics.MetricId;
import io.tidemark.snapshot.rest.RestJobMetrics.Reading;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How Tidemark's metric ids, as Flink's REST API names them, become typed metrics: the groups read
 * from the id, gauges by their highest subtask, counters and dead letters summed, and anything
 * unknown left unknown.
 */
class RestJobMetricsTest {

    @Test
    void aMetricIdIsItsOperatorItsGroupsAndItsName() {
        assertThat(MetricId.parse("sink_warehouse__Writer.sink.warehouse.table.public_orders.tidemarkLagMs"))
                .isEqualTo(new MetricId("sink_warehouse__Writer", Map.of("sink", "warehouse", "table", "public_orders"),
                        "tidemarkLagMs"));
        assertThat(MetricId.parse("Source__pg.source.pg.tidemarkSourceBacklogBytes"))
                .isEqualTo(new MetricId("Source__pg", Map.of("source", "pg"), "tidemarkSourceBacklogBytes"));
        assertThat(MetricId.parse("numRecordsIn")).isEqualTo(new MetricId("", Map.of(), "numRecordsIn"));
        assertThat(MetricId.parse("counter.numRecordsIn")).isEqualTo(new MetricId("counter", Map.of(), "numRecordsIn"));
    }

    @Test
    void gaugesTakeTheHighestSubtaskAndCountersTheSum() {
        TidemarkMetrics metrics = RestJobMetrics.metrics(List.of(
                reading("w.sink.warehouse.table.public_orders.tidemarkLagMs", 120.0, 150.0),
                reading("w.sink.warehouse.table.public_orders.tidemarkChangesApplied", 900.0, 1800.0),
                reading("w.sink.warehouse.table.public_items.tidemarkChangesApplied", 5.0, 5.0),
                reading("r.source.pg.tidemarkSourceBacklogBytes", 4096.0, 8192.0),
                reading("r.source.pg.tidemarkSourceRetainedBytes", Double.NaN, Double.NaN),
                reading("w.sink.warehouse.table.public_orders.error_class.constraint.tidemarkDeadLettersPending", 2.0, 3.0),
                reading("w.sink.warehouse.table.public_orders.error_class.type.tidemarkDeadLettersPending", 1.0, 1.0),
                reading("w.sink.warehouse.table.public_orders.tidemarkFlushLatencyMs", 3.0, 3.0)));

        assertThat(metrics.sinkTables()).containsExactly(
                new TidemarkMetrics.SinkTable("warehouse", "public_items", null, 5L),
                new TidemarkMetrics.SinkTable("warehouse", "public_orders", 120L, 1800L));
        assertThat(metrics.sources()).containsExactly(new TidemarkMetrics.Source("pg", 4096L, null));
        assertThat(metrics.deadLetters()).containsExactly(new TidemarkMetrics.DeadLetters("warehouse", "public_orders", 4));
        assertThat(metrics.deadLettersPending()).isEqualTo(4L);
    }

    @Test
    void aJobWithoutTidemarksMetricsHasNone() {
        TidemarkMetrics metrics = RestJobMetrics.metrics(List.of(reading("counter.numRecordsIn", 1.0, 1.0)));

        assertThat(metrics).isEqualTo(TidemarkMetrics.NONE);
        assertThat(metrics.deadLettersPending()).isNull();
    }

    @Test
    void deadLettersWithoutASinkGroupAreNamedByTheirOperator() {
        TidemarkMetrics metrics = RestJobMetrics.metrics(List.of(
                reading("sink_mart__Writer.table.public_orders.error_class.constraint.tidemarkDeadLettersPending", 2.0, 2.0)));

        assertThat(metrics.deadLetters()).containsExactly(new TidemarkMetrics.DeadLetters("sink_mart__Writer", "public_orders", 2));
    }

    private static Reading reading(String id, Double max, Double sum) {
        return new Reading(MetricId.parse(id), max.isNaN() ? null : max, sum.isNaN() ? null : sum);
    }
}
