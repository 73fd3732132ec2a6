package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.ChunkSweeps;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;
import io.tidemark.pipeline.source.debezium.TransactionRecords;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.offset.OffsetFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.base.source.reader.IncrementalSourceRecordEmitter;
import org.apache.flink.cdc.connectors.base.utils.SourceRecordUtils;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.util.Collector;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Flink CDC's record emitter, plus the snapshot → stream handover. Before the records of a snapshot
 * chunk reach the deserializer, it finds the chunk's high watermark (the last record of the chunk's
 * batch) and hands its LSN to {@link DebeziumChangeEventDeserializer} as the position of those rows;
 * after them it sends the chunk's {@link ChunkSweeps sweep}, which removes from the sinks what an
 * earlier read of the chunk wrote and the source has deleted since.
 * Stream changes reach it unfiltered; {@link SnapshotHandover} places each against its chunk by the
 * commit of its transaction, which arrives with Debezium's transaction metadata ({@link
 * TransactionRecords}, always on for PostgreSQL): changes that may belong to the chunk are held in a
 * {@link HeldTransaction} until the transaction's END. The ends of source transactions become
 * COMMIT events where the sinks ask for them.
 */
final class HighWatermarkRecordEmitter extends IncrementalSourceRecordEmitter<ChangeEvent> {

    private final DebeziumChangeEventDeserializer deserializer;
    /** Whether END records become COMMIT events. */
    private final boolean transactionEnds;
    private final SnapshotHandover handover;
    private final HeldTransaction held = new HeldTransaction();
    private final List<ChangeEvent> deserialized = new ArrayList<>();
    private final Collector<ChangeEvent> deserializedCollector = new ListCollector<>(deserialized);
    /**
     * The last change of the batch being emitted that the stream split may resume after, its offset not yet
     * in the split state. Flink reads that state only between two batches (a checkpoint waits for the task
     * thread), so it is set once per batch: building an offset per change (a map of strings, then Flink
     * CDC's offset object) took a fifth of the task thread.
     */
    private @Nullable SourceRecord resumeAfter;

    HighWatermarkRecordEmitter(
            DebeziumChangeEventDeserializer deserializer,
            SourceReaderMetrics metrics,
            OffsetFactory offsetFactory,
            boolean transactionEnds,
            @Nullable String chunkKeyColumn) {
        super(deserializer, metrics, false, offsetFactory);
        this.deserializer = deserializer;
        this.transactionEnds = transactionEnds;
        this.handover = new SnapshotHandover(chunkKeyColumn);
    }

    @Override
    public void emitRecord(
            SourceRecords records, SourceOutput<ChangeEvent> output, SourceSplitState splitState)
            throws Exception {
        if (!splitState.isSnapshotSplitState()) {
            super.emitRecord(records, output, splitState);
            setStartingOffset(splitState);
            return;
        }
        long highWatermark = highWatermarkLsn(records.getSourceRecordList());
        deserializer.enterSnapshotChunk(highWatermark);
        try {
            super.emitRecord(records, output, splitState);
        } finally {
            deserializer.exitSnapshotChunk();
        }
        SnapshotSplit chunk = splitState.asSnapshotSplitState().toSourceSplit();
        ChunkSweeps.of(new TableId(chunk.getTableId().schema(), chunk.getTableId().table()), chunk.getSplitKeyType(),
                chunk.getSplitStart(), chunk.getSplitEnd(), new SourcePosition(highWatermark)).ifPresent(output::collect);
    }

    /**
     * Data changes first: the parent tests every record for a schema change with {@code
     * String.matches}, which compiles a regular expression per record; that showed up in the task
     * thread's profile. Watermark and schema-change records are never data changes, so testing the
     * cheap case first changes nothing else.
     */
    @Override
    protected void processElement(
            SourceRecord element, SourceOutput<ChangeEvent> output, SourceSplitState splitState)
            throws Exception {
        if (SourceRecordUtils.isDataChangeRecord(element)) {
            if (splitState.isStreamSplitState()) {
                processStreamChange(element, output, splitState.asStreamSplitState());
            } else {
                reportMetrics(element);
                emitElement(element, output);
            }
        } else if (TransactionRecords.isTransactionRecord(element)) {
            processTransactionRecord(element, output);
        } else if (SourceRecordUtils.isHeartbeatEvent(element) && !held.isEmpty()) {
            // a heartbeat's offset lies past the held changes: keep the offset where a restore reads them again
        } else {
            setStartingOffset(splitState); // the parent may set a later offset (a heartbeat's)
            super.processElement(element, output, splitState);
        }
    }

    /** Moves the stream split's offset to the change noted in {@link #resumeAfter}, if any. */
    private void setStartingOffset(SourceSplitState splitState) {
        if (resumeAfter != null) {
            splitState.asStreamSplitState().setStartingOffset(getOffsetPosition(resumeAfter));
            resumeAfter = null;
        }
    }

    private void processStreamChange(SourceRecord change, SourceOutput<ChangeEvent> output, StreamSplitState state)
            throws Exception {
        long lsn = lsnOf(change.sourceOffset(), "lsn");
        long highWatermark = handover.chunkHighWatermark(change, lsn, state);
        if (highWatermark == SnapshotHandover.OUTSIDE) {
            return;
        }
        if (highWatermark == SnapshotHandover.AFTER) {
            held.supersede(change);
            if (held.isEmpty()) {
                resumeAfter = change;
            }
            reportMetrics(change);
            emitElement(change, output);
            return;
        }
        // the offset stays before the first held change, so a restore reads the transaction again
        reportMetrics(change);
        sourceReaderMetrics.markRecord();
        sourceReaderMetrics.updateRecordCounters(change);
        deserialized.clear();
        debeziumDeserializationSchema.deserialize(change, deserializedCollector);
        held.hold(change, deserialized, highWatermark);
    }

    private void processTransactionRecord(SourceRecord record, SourceOutput<ChangeEvent> output) {
        if (TransactionRecords.isEnd(record)) {
            held.commit(lsnOf(record.sourceOffset(), "lsn_commit"), output::collect);
            if (transactionEnds) {
                TransactionRecords.emit(record, output);
            }
        } else if (!held.isEmpty()) {
            throw new IllegalStateException("a source transaction began while changes of the one before it were"
                    + " still waiting for its END record; the stream is not in transaction order");
        }
    }

    private static long lsnOf(Map<String, ?> offset, String field) {
        Object lsn = offset.get(field);
        if (lsn == null) {
            throw new IllegalStateException("a PostgreSQL stream record without " + field + " in its offset: " + offset);
        }
        return lsn instanceof Number number ? number.longValue() : Long.parseLong(lsn.toString());
    }

    /**
     * The split's offset without Debezium's transaction context ({@code transaction_id} and the
     * per-table event orders; transaction metadata is always on here): Flink CDC stores every
     * offset value as a string and reads every one back as a number, which Debezium's {@code
     * TransactionContext.load} then refuses to cast to the id's String, so a restore from such an
     * offset fails for good. Without it, a restore in the middle of a transaction only makes Debezium
     * send that transaction's BEGIN again, which Tidemark ignores; its END still comes.
     */
    @Override
    public Offset getOffsetPosition(Map<String, ?> offset) {
        return super.getOffsetPosition(TransactionRecords.withoutTransactionContext(offset));
    }

    private static long highWatermarkLsn(List<SourceRecord> records) {
        for (int i = records.size() - 1; i >= 0; i--) {
            SourceRecord record = records.get(i);
            if (WatermarkEvent.isHighWatermarkEvent(record)) {
                Object lsn = record.sourceOffset().get("lsn");
                return Long.parseLong(String.valueOf(lsn));
            }
        }
        throw new IllegalStateException(
                "a snapshot chunk arrived without its high watermark; snapshot backfill must be on");
    }
}
