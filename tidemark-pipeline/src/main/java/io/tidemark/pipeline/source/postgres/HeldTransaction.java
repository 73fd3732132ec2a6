package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.SourcePosition;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The changes of the open source transaction that lie at or before their snapshot chunk's high
 * watermark (see {@link SnapshotHandover}), held until the transaction's END record says where it
 * committed.
 *
 * <p>If it committed by the high watermark, the chunk already holds its effect and the changes are
 * dropped. If it committed after, each held row's last change in the transaction is emitted at the
 * high watermark + 1: after the chunk's row (at the high watermark), before any later transaction's
 * change of the row (a later writer waits for this transaction's row lock, so its change lies after
 * this commit record, which ends after the high watermark and, WAL records being 8-byte aligned, at
 * least 8 bytes after it). A row's earlier changes in the transaction are left out: they would
 * share that position, and the sinks apply one change per position. A later change of a held row
 * in the same transaction lies after the high watermark, is emitted at once, and replaces the held
 * one. Nothing here is checkpointed: the emitter holds the stream's offset back while anything is
 * held, so a restore reads the transaction again.
 */
final class HeldTransaction {

    private final Map<RowKey, Held> held = new LinkedHashMap<>();

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Holds the events of {@code change}, which lies at or before {@code highWatermark}. */
    void hold(SourceRecord change, List<ChangeEvent> events, long highWatermark) {
        RowKey key = RowKey.of(change);
        held.remove(key);
        held.put(key, new Held(events, highWatermark));
    }

    /** A later change of the same transaction, emitted at once: it replaces a held change of its row. */
    void supersede(SourceRecord change) {
        if (!held.isEmpty() && change.key() != null) {
            held.remove(RowKey.of(change));
        }
    }

    /**
     * The transaction committed with its commit record ending at {@code commitLsn}: emits what the
     * snapshot chunks do not hold, and forgets the rest.
     */
    void commit(long commitLsn, Consumer<ChangeEvent> emit) {
        for (Held row : held.values()) {
            if (commitLsn > row.highWatermark) {
                SourcePosition afterChunk = new SourcePosition(row.highWatermark + 1);
                for (ChangeEvent event : row.events) {
                    emit.accept(event.at(afterChunk));
                }
            }
        }
        held.clear();
    }

    private record Held(List<ChangeEvent> events, long highWatermark) {
        Held {
            events = new ArrayList<>(events);
        }
    }

    /** A row by table and Debezium key struct (whose equality compares values deeply). */
    private record RowKey(String schema, String table, Struct key) {
        static RowKey of(SourceRecord change) {
            Struct source = ((Struct) change.value()).getStruct("source");
            return new RowKey(source.getString("schema"), source.getString("table"),
                    Objects.requireNonNull((Struct) change.key(), "a held change has a key"));
        }
    }
}
