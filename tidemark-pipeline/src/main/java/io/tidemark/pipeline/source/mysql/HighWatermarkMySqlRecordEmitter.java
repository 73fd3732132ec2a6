package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;

import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.mysql.source.metrics.MySqlSourceReaderMetrics;
import org.apache.flink.cdc.connectors.mysql.source.offset.BinlogOffset;
import org.apache.flink.cdc.connectors.mysql.source.reader.MySqlRecordEmitter;
import org.apache.flink.cdc.connectors.mysql.source.split.MySqlSplitState;
import org.apache.flink.cdc.connectors.mysql.source.split.SourceRecords;
import org.apache.flink.cdc.connectors.mysql.source.utils.RecordUtils;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

import java.util.List;

/**
 * Flink CDC's MySQL record emitter, plus one thing: before the records of a snapshot chunk reach
 * the deserializer, it finds the chunk's high watermark (the binlog end read after the chunk was
 * copied, the last record of the chunk's batch) and hands it to the deserializer as the position of
 * those rows.
 */
final class HighWatermarkMySqlRecordEmitter extends MySqlRecordEmitter<ChangeEvent> {

    private final DebeziumChangeEventDeserializer deserializer;

    HighWatermarkMySqlRecordEmitter(DebeziumChangeEventDeserializer deserializer, MySqlSourceReaderMetrics metrics) {
        super(deserializer, metrics, false);
        this.deserializer = deserializer;
    }

    @Override
    public void emitRecord(SourceRecords records, SourceOutput<ChangeEvent> output, MySqlSplitState splitState)
            throws Exception {
        if (!splitState.isSnapshotSplitState()) {
            super.emitRecord(records, output, splitState);
            return;
        }
        deserializer.enterSnapshotChunk(highWatermark(records.getSourceRecordList()));
        try {
            super.emitRecord(records, output, splitState);
        } finally {
            deserializer.exitSnapshotChunk();
        }
    }

    private static long highWatermark(List<SourceRecord> records) {
        for (int i = records.size() - 1; i >= 0; i--) {
            SourceRecord record = records.get(i);
            if (RecordUtils.isHighWatermarkEvent(record)) {
                BinlogOffset offset = RecordUtils.getWatermark(record);
                return BinlogPositions.ofEnd(offset.getFilename(), offset.getPosition());
            }
        }
        throw new IllegalStateException(
                "a snapshot chunk arrived without its high watermark; snapshot backfill must be on");
    }
}
