package io.tidemark.pipeline.metrics;

import io.tidemark.pipeline.event.TableId;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The metrics one sink writer subtask exports, under the groups {@code sink} and, per source
 * table, {@code table} (Prometheus labels of the same names): changes applied, changes skipped by
 * the position guard, tombstone checks, end-to-end lag, batch sizes, flush latency and retries.
 * Dashboards and alert rules in {@code deploy/} name exactly these metrics; a test scrapes a running
 * job to keep both in step.
 *
 * <p>Thread-safe: a JDBC writer's flushers record their batches concurrently.
 */
public final class SinkMetrics {

    public static final String CHANGES_APPLIED = "tidemarkChangesApplied";
    public static final String CHANGES_SKIPPED = "tidemarkChangesSkipped";
    public static final String TOMBSTONE_CHECKS = "tidemarkTombstoneChecks";
    public static final String LAG_MS = "tidemarkLagMs";
    public static final String BATCH_SIZE = "tidemarkBatchSize";
    public static final String FLUSH_LATENCY_MS = "tidemarkFlushLatencyMs";
    public static final String RETRIES = "tidemarkSinkRetries";

    /** How long a table's lag is reported after its last applied change; then it reads 0 (nothing waits). */
    static final Duration LAG_HOLD = Duration.ofMinutes(1);
    /** Batches kept for the histograms' quantiles. */
    private static final int HISTOGRAM_WINDOW = 1024;

    private final MetricGroup sinkGroup;
    private final Map<TableId, TableMetrics> tables = new ConcurrentHashMap<>();
    private final Histogram batchSize;
    private final Histogram flushLatency;
    private final LongSupplier clock;

    /** The metrics of sink {@code sink} in a writer's metric group. */
    public SinkMetrics(MetricGroup writerGroup, String sink) {
        this(writerGroup, sink, System::currentTimeMillis);
    }

    SinkMetrics(MetricGroup writerGroup, String sink, LongSupplier clock) {
        this.sinkGroup = writerGroup.addGroup("sink", sink);
        this.clock = clock;
        this.batchSize = sinkGroup.histogram(BATCH_SIZE, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        this.flushLatency = sinkGroup.histogram(FLUSH_LATENCY_MS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    /** Retries after transient sink errors, as counted by the sink itself. */
    public void retriesGauge(LongSupplier retries) {
        sinkGroup.gauge(RETRIES, (Gauge<Long>) retries::getAsLong);
    }

    /** A committed batch: its tables' counts and lag, its size and how long writing it took. */
    public void committed(BatchOutcome outcome) {
        long now = clock.getAsLong();
        for (Map.Entry<TableId, BatchOutcome.TableCounts> e : outcome.tables().entrySet()) {
            TableMetrics table = table(e.getKey());
            BatchOutcome.TableCounts counts = e.getValue();
            table.applied.inc(counts.applied);
            table.skipped.inc(counts.skipped);
            table.tombstoneChecks.inc(counts.tombstoneChecks);
            if (counts.newestCommitMillis > 0) {
                table.lastLagMillis = Math.max(0, now - counts.newestCommitMillis);
                table.lastAppliedAt = now;
            }
        }
    }

    /** One flush of {@code changes} changes took {@code elapsed} (retries included). */
    public synchronized void flushed(int changes, Duration elapsed) {
        batchSize.update(changes);
        flushLatency.update(elapsed.toMillis());
    }

    /**
     * Registers a table's metrics before its first change, so that dashboards show it at zero
     * rather than not at all.
     */
    public void register(TableId table) {
        table(table);
    }

    private TableMetrics table(TableId table) {
        return tables.computeIfAbsent(table, t -> new TableMetrics(sinkGroup.addGroup("table", t.toString())));
    }

    /** The metrics of one source table in this sink. */
    private final class TableMetrics {
        final Counter applied;
        final Counter skipped;
        final Counter tombstoneChecks;
        volatile long lastLagMillis;
        volatile long lastAppliedAt;

        TableMetrics(MetricGroup group) {
            applied = group.counter(CHANGES_APPLIED, new ThreadSafeSimpleCounter());
            skipped = group.counter(CHANGES_SKIPPED, new ThreadSafeSimpleCounter());
            tombstoneChecks = group.counter(TOMBSTONE_CHECKS, new ThreadSafeSimpleCounter());
            group.gauge(LAG_MS, (Gauge<Long>) this::lag);
        }

        /** The commit-to-applied time of the newest change applied lately; 0 once nothing came for a while. */
        long lag() {
            return clock.getAsLong() - lastAppliedAt > LAG_HOLD.toMillis() ? 0 : lastLagMillis;
        }
    }
}
