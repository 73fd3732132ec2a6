package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streamed changes through the PostgreSQL record emitter, shaped as Debezium 1.9's pgoutput reader
 * sends them: each becomes a change event of its own table at its LSN, and after each batch the
 * stream split resumes after the batch's last record, as a checkpoint taken between two batches must.
 */
class HighWatermarkRecordEmitterTest {

    private static final Schema KEY = SchemaBuilder.struct().name("orders.Key").field("id", Schema.INT64_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("db", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Schema HEARTBEAT_KEY = SchemaBuilder.struct()
            .name("io.debezium.connector.common.ServerNameKey").field("serverName", Schema.STRING_SCHEMA).build();
    private static final Schema HEARTBEAT = SchemaBuilder.struct()
            .name("io.debezium.connector.common.Heartbeat").field("ts_ms", Schema.INT64_SCHEMA).build();

    private final Map<String, Schema> rows = new HashMap<>();
    private final Map<String, Schema> envelopes = new HashMap<>();

    @Test
    void changesOfInterleavedTablesKeepTheirTablesPositionsAndValues() throws Exception {
        HighWatermarkRecordEmitter emitter = emitter();
        StreamSplitState state = streamState(0x100);
        CollectingOutput out = new CollectingOutput();

        emitter.emitRecord(new SourceRecords(List.of(
                change("orders", "c", 1, "a", 0x200, 1_700_000_000_123L),
                change("customers", "u", 7, "b", 0x280, 1_700_000_000_456L),
                change("orders", "d", 1, "a", 0x300, 1_700_000_000_789L))), out, state);

        assertThat(out.events).extracting(ChangeEvent::table).containsExactly(
                new TableId("public", "orders"), new TableId("public", "customers"), new TableId("public", "orders"));
        assertThat(out.events).extracting(ChangeEvent::operation)
                .containsExactly(ChangeOperation.INSERT, ChangeOperation.UPDATE, ChangeOperation.DELETE);
        assertThat(out.events).extracting(ChangeEvent::position).containsExactly(
                new SourcePosition(0x200), new SourcePosition(0x280), new SourcePosition(0x300));
        assertThat(out.events).extracting(ChangeEvent::commitTimeMillis)
                .containsExactly(1_700_000_000_123L, 1_700_000_000_456L, 1_700_000_000_789L);
        assertThat(out.events.get(0).after()).containsExactly(1L, "a");
        assertThat(out.events.get(1).after()).containsExactly(7L, "b");
        assertThat(out.events.get(2).before()).containsExactly(1L, "a");
        assertThat(out.events.get(2).after()).isNull();
    }

    @Test
    void afterEachBatchTheSplitResumesAfterItsLastChange() throws Exception {
        HighWatermarkRecordEmitter emitter = emitter();
        StreamSplitState state = streamState(0x100);
        CollectingOutput out = new CollectingOutput();

        emitter.emitRecord(new SourceRecords(List.of(
                change("orders", "c", 1, "a", 0x200, 1L), change("orders", "c", 2, "b", 0x280, 2L))), out, state);
        assertThat(lsn(state)).isEqualTo(0x280);

        emitter.emitRecord(new SourceRecords(List.of(change("orders", "u", 2, "c", 0x300, 3L))), out, state);
        assertThat(lsn(state)).isEqualTo(0x300);
        assertThat(out.events).hasSize(3);
    }

    @Test
    void aHeartbeatAfterTheLastChangeOfABatchMovesTheSplitOnToIt() throws Exception {
        HighWatermarkRecordEmitter emitter = emitter();
        StreamSplitState state = streamState(0x100);

        emitter.emitRecord(new SourceRecords(List.of(change("orders", "c", 1, "a", 0x200, 1L), heartbeat(0x400))),
                new CollectingOutput(), state);

        assertThat(lsn(state)).isEqualTo(0x400);
    }

    @Test
    void aBatchWithoutChangesLeavesTheSplitWhereItWas() throws Exception {
        HighWatermarkRecordEmitter emitter = emitter();
        StreamSplitState state = streamState(0x100);

        emitter.emitRecord(new SourceRecords(List.of()), new CollectingOutput(), state);

        assertThat(lsn(state)).isEqualTo(0x100);
    }

    private static HighWatermarkRecordEmitter emitter() {
        return new HighWatermarkRecordEmitter(new DebeziumChangeEventDeserializer(new PostgresRecordLocator()),
                new SourceReaderMetrics(UnregisteredMetricsGroup.createSourceReaderMetricGroup()),
                new PostgresOffsetFactory(), false, null);
    }

    private static StreamSplitState streamState(long lsn) {
        return new StreamSplitState(new StreamSplit("stream-split", offset(lsn), PostgresOffset.NO_STOPPING_OFFSET,
                new ArrayList<>(), new HashMap<>(), 0));
    }

    private static PostgresOffset offset(long lsn) {
        return (PostgresOffset) new PostgresOffsetFactory().newOffset(Map.of("lsn", Long.toString(lsn)));
    }

    private static long lsn(StreamSplitState state) {
        return ((PostgresOffset) state.getStartingOffset()).getLsn().asLong();
    }

    /** A row change of {@code public.<table>} with columns id and note, as Debezium's envelope carries it. */
    private SourceRecord change(String table, String op, long id, String note, long lsn, long commitMillis) {
        Schema row = rows.computeIfAbsent(table, t -> SchemaBuilder.struct().name("postgres_cdc_source.public." + t
                + ".Value").optional().field("id", Schema.INT64_SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA)
                .build());
        Schema envelope = envelopes.computeIfAbsent(table, t -> SchemaBuilder.struct()
                .name("postgres_cdc_source.public." + t + ".Envelope")
                .field("before", row).field("after", row).field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build());
        Struct image = new Struct(row).put("id", id).put("note", note);
        Struct value = new Struct(envelope)
                .put("before", op.equals("c") ? null : image)
                .put("after", op.equals("d") ? null : image)
                .put("source", new Struct(SOURCE).put("db", "shop").put("schema", "public").put("table", table)
                        .put("ts_ms", commitMillis).put("lsn", lsn))
                .put("op", op)
                .put("ts_ms", commitMillis + 5);
        Map<String, Object> offset = new HashMap<>();
        offset.put("lsn", lsn);
        offset.put("txId", 817L);
        offset.put("ts_usec", commitMillis * 1000);
        offset.put("transaction_id", "817:" + lsn);
        return new SourceRecord(Map.of("server", "postgres_cdc_source"), offset, "postgres_cdc_source.public." + table,
                KEY, new Struct(KEY).put("id", id), envelope, value);
    }

    private static SourceRecord heartbeat(long lsn) {
        return new SourceRecord(Map.of("server", "postgres_cdc_source"), Map.of("lsn", lsn), "__debezium-heartbeat",
                HEARTBEAT_KEY, new Struct(HEARTBEAT_KEY).put("serverName", "postgres_cdc_source"),
                HEARTBEAT, new Struct(HEARTBEAT).put("ts_ms", 1L));
    }

    private static final class CollectingOutput implements SourceOutput<ChangeEvent> {
        final List<ChangeEvent> events = new ArrayList<>();

        @Override
        public void collect(ChangeEvent record) {
            events.add(record);
        }

        @Override
        public void collect(ChangeEvent record, long timestamp) {
            events.add(record);
        }

        @Override
        public void emitWatermark(Watermark watermark) {}

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    }
}
