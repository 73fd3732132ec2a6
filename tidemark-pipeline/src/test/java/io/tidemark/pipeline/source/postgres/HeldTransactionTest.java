package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The held changes of one transaction at its END: kept out when the transaction committed by the
 * chunk's high watermark, emitted right after it when it committed later, one per row.
 */
class HeldTransactionTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA).build();
    private static final Schema VALUE = SchemaBuilder.struct().field("source", SOURCE).build();
    private static final long HIGH_WATERMARK = 0x1000;

    @Test
    void aTransactionCommittedByTheHighWatermarkIsInTheChunkAlready() {
        HeldTransaction held = new HeldTransaction();
        held.hold(record("orders", 1), List.of(update(1, "a", 0x800)), HIGH_WATERMARK);

        assertThat(commit(held, HIGH_WATERMARK)).isEmpty();
        assertThat(held.isEmpty()).isTrue();
    }

    @Test
    void aTransactionCommittedAfterItIsEmittedRightAfterTheChunk() {
        HeldTransaction held = new HeldTransaction();
        held.hold(record("orders", 1), List.of(update(1, "a", 0x800)), HIGH_WATERMARK);
        held.hold(record("orders", 2), List.of(update(2, "b", 0x900)), HIGH_WATERMARK);

        List<ChangeEvent> emitted = commit(held, HIGH_WATERMARK + 8);

        assertThat(emitted).extracting(e -> e.after()[1]).containsExactly("a", "b");
        assertThat(emitted).extracting(ChangeEvent::position)
                .containsOnly(new SourcePosition(HIGH_WATERMARK + 1));
        assertThat(held.isEmpty()).isTrue();
    }

    @Test
    void onlyTheLastHeldChangeOfARowIsEmitted() {
        HeldTransaction held = new HeldTransaction();
        held.hold(record("orders", 1), List.of(update(1, "first", 0x800)), HIGH_WATERMARK);
        held.hold(record("orders", 2), List.of(update(2, "other", 0x880)), HIGH_WATERMARK);
        held.hold(record("orders", 1), List.of(update(1, "second", 0x900)), HIGH_WATERMARK);

        assertThat(commit(held, HIGH_WATERMARK + 64)).extracting(e -> e.after()[1]).containsExactly("other", "second");
    }

    @Test
    void aLaterChangeOfTheRowReplacesItsHeldChange() {
        HeldTransaction held = new HeldTransaction();
        held.hold(record("orders", 1), List.of(update(1, "held", 0x800)), HIGH_WATERMARK);
        held.hold(record("customers", 1), List.of(update(1, "other table", 0x880)), HIGH_WATERMARK);

        held.supersede(record("orders", 1));

        assertThat(commit(held, HIGH_WATERMARK + 64)).extracting(e -> e.after()[1]).containsExactly("other table");
    }

    @Test
    void eachChunkKeepsItsOwnHighWatermark() {
        HeldTransaction held = new HeldTransaction();
        held.hold(record("orders", 1), List.of(update(1, "early chunk", 0x800)), HIGH_WATERMARK);
        held.hold(record("orders", 500), List.of(update(500, "late chunk", 0x900)), HIGH_WATERMARK * 2);

        List<ChangeEvent> emitted = commit(held, HIGH_WATERMARK + 64);

        assertThat(emitted).extracting(e -> e.after()[1]).containsExactly("early chunk");
    }

    private static List<ChangeEvent> commit(HeldTransaction held, long commitLsn) {
        List<ChangeEvent> emitted = new ArrayList<>();
        held.commit(commitLsn, emitted::add);
        return emitted;
    }

    private static SourceRecord record(String table, int id) {
        Struct source = new Struct(SOURCE).put("schema", "public").put("table", table);
        return new SourceRecord(Map.of(), Map.of(), "t", null, KEY, new Struct(KEY).put("id", id),
                VALUE, new Struct(VALUE).put("source", source));
    }

    private static ChangeEvent update(int id, String value, long lsn) {
        return new ChangeEvent(ChangeOperation.UPDATE, new TableId("public", "orders"), new String[] {"id", "v"},
                new int[] {0}, null, new Object[] {id, value}, new SourcePosition(lsn), 0L);
    }
}
