package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;
import io.tidemark.pipeline.source.debezium.TransactionRecords;

import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.offset.OffsetFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.base.source.reader.IncrementalSourceRecordEmitter;
import org.apache.flink.cdc.connectors.base.utils.SourceRecordUtils;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

import java.util.List;
import java.util.Map;

/**
 * Flink CDC's record emitter, plus one thing: before the records of a snapshot chunk reach the
 * deserializer, it finds the chunk's high watermark (the last record of the chunk's batch) and
 * hands its LSN to {@link DebeziumChangeEventDeserializer} as the position of those rows. And the
 * ends of source transactions become COMMIT events ({@link TransactionRecords}) where the source
 * provides them.
 */
final class HighWatermarkRecordEmitter extends IncrementalSourceRecordEmitter<ChangeEvent> {

    private final DebeziumChangeEventDeserializer deserializer;
    /** Whether offsets carry Debezium's transaction context, which {@link #getOffsetPosition} drops. */
    private final boolean transactionEnds;

    HighWatermarkRecordEmitter(
            DebeziumChangeEventDeserializer deserializer,
            SourceReaderMetrics metrics,
            OffsetFactory offsetFactory,
            boolean transactionEnds) {
        super(deserializer, metrics, false, offsetFactory);
        this.deserializer = deserializer;
        this.transactionEnds = transactionEnds;
    }

    @Override
    public void emitRecord(
            SourceRecords records, SourceOutput<ChangeEvent> output, SourceSplitState splitState)
            throws Exception {
        if (!splitState.isSnapshotSplitState()) {
            super.emitRecord(records, output, splitState);
            return;
        }
        long highWatermark = highWatermarkLsn(records.getSourceRecordList());
        deserializer.enterSnapshotChunk(highWatermark);
        try {
            super.emitRecord(records, output, splitState);
        } finally {
            deserializer.exitSnapshotChunk();
        }
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
                splitState.asStreamSplitState().setStartingOffset(getOffsetPosition(element));
            }
            reportMetrics(element);
            emitElement(element, output);
        } else if (TransactionRecords.isTransactionRecord(element)) {
            TransactionRecords.emit(element, output);
        } else {
            super.processElement(element, output, splitState);
        }
    }

    /**
     * The split's offset without Debezium's transaction context ({@code transaction_id} and the
     * per-table event orders, present with transaction metadata on): Flink CDC stores every offset
     * value as a string and reads every one back as a number, which Debezium's {@code
     * TransactionContext.load} then refuses to cast to the id's String, so a restore from such an
     * offset fails for good. Without it, a restore in the middle of a transaction only makes Debezium
     * send that transaction's BEGIN again, which Tidemark ignores; its END still comes.
     */
    @Override
    public Offset getOffsetPosition(Map<String, ?> offset) {
        return super.getOffsetPosition(transactionEnds ? TransactionRecords.withoutTransactionContext(offset) : offset);
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
