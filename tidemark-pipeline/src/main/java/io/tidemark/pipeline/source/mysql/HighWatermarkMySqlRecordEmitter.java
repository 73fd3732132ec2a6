package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.TruncateHandling;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.ChunkSweeps;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;
import io.tidemark.pipeline.source.debezium.TransactionRecords;

import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.mysql.source.metrics.MySqlSourceReaderMetrics;
import org.apache.flink.cdc.connectors.mysql.source.offset.BinlogOffset;
import org.apache.flink.cdc.connectors.mysql.source.reader.MySqlRecordEmitter;
import org.apache.flink.cdc.connectors.mysql.source.split.MySqlSnapshotSplit;
import org.apache.flink.cdc.connectors.mysql.source.split.MySqlSplitState;
import org.apache.flink.cdc.connectors.mysql.source.split.SourceRecords;
import org.apache.flink.cdc.connectors.mysql.source.utils.RecordUtils;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Flink CDC's MySQL record emitter, plus three things. Before the records of a snapshot chunk reach
 * the deserializer, it finds the chunk's high watermark (the binlog end read after the chunk was
 * copied, the last record of the chunk's batch) and hands it to the deserializer as the position of
 * those rows; after them it sends the chunk's {@link ChunkSweeps sweep}. And in the binlog phase it puts each {@code TRUNCATE} of a captured table into the
 * stream where it happened, found by a {@link BinlogTruncateScanner} (Flink CDC 3.5 delivers no
 * record for it): before the first record past a truncate's position goes on, the truncate does.
 * And the ends of source transactions become COMMIT events ({@link TransactionRecords}) where the
 * source provides them.
 */
final class HighWatermarkMySqlRecordEmitter extends MySqlRecordEmitter<ChangeEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(HighWatermarkMySqlRecordEmitter.class);

    private final DebeziumChangeEventDeserializer deserializer;
    /** Whether offsets carry Debezium's transaction context (only then is the split's offset cleaned). */
    private final boolean transactionEnds;
    private final MySqlSourceDef source;
    private final Set<TableId> captured;
    private BinlogTruncateScanner truncates;

    HighWatermarkMySqlRecordEmitter(
            DebeziumChangeEventDeserializer deserializer, MySqlSourceReaderMetrics metrics, MySqlSourceDef source,
            boolean transactionEnds) {
        super(deserializer, metrics, false);
        this.deserializer = deserializer;
        this.transactionEnds = transactionEnds;
        this.source = source;
        this.captured = source.tables().stream().map(TableId::parse).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void emitRecord(SourceRecords records, SourceOutput<ChangeEvent> output, MySqlSplitState splitState)
            throws Exception {
        if (!splitState.isSnapshotSplitState()) {
            List<SourceRecord> batch = records.getSourceRecordList();
            for (int i = batch.size() - 1; i >= 0; i--) {
                long last = streamPosition(batch.get(i));
                if (last >= 0) {
                    scanner(splitState).scanTo(last); // one look at the binlog per batch, not per record
                    break;
                }
            }
            super.emitRecord(records, output, splitState);
            return;
        }
        long highWatermark = highWatermark(records.getSourceRecordList());
        deserializer.enterSnapshotChunk(highWatermark);
        try {
            super.emitRecord(records, output, splitState);
        } finally {
            deserializer.exitSnapshotChunk();
        }
        MySqlSnapshotSplit chunk = splitState.asSnapshotSplitState().toMySqlSplit().asSnapshotSplit();
        ChunkSweeps.of(new TableId(chunk.getTableId().catalog(), chunk.getTableId().table()), chunk.getSplitKeyType(),
                chunk.getSplitStart(), chunk.getSplitEnd(), new SourcePosition(highWatermark)).ifPresent(output::collect);
    }

    @Override
    protected void processElement(SourceRecord element, SourceOutput<ChangeEvent> output, MySqlSplitState splitState)
            throws Exception {
        if (truncates != null && truncates.hasFound() && splitState.isBinlogSplitState()) {
            long position = streamPosition(element);
            if (position >= 0) {
                for (BinlogTruncateScanner.Truncate truncate : truncates.passedBefore(position)) {
                    emitTruncate(truncate, output);
                }
            }
        }
        if (TransactionRecords.isTransactionRecord(element)) {
            TransactionRecords.emit(element, output);
            return;
        }
        super.processElement(element, output, splitState);
        if (transactionEnds && splitState.isBinlogSplitState()
                && splitState.asBinlogSplitState().getStartingOffset() != null) {
            Map<String, String> offset = splitState.asBinlogSplitState().getStartingOffset().getOffset();
            Map<String, ?> clean = TransactionRecords.withoutTransactionContext(offset);
            if (clean != offset) {
                // Flink CDC keeps offset values as strings, Debezium's TransactionContext.load casts
                // the per-table event orders to Long: a restore from such an offset would fail for good
                splitState.asBinlogSplitState().setStartingOffset(RecordUtils.getBinlogPosition(clean));
            }
        }
    }

    private void emitTruncate(BinlogTruncateScanner.Truncate truncate, SourceOutput<ChangeEvent> output) {
        if (source.truncate() == TruncateHandling.FAIL) {
            throw new IllegalStateException("source table " + truncate.table() + " was truncated at " + truncate
                    + " and source.truncate is fail: the pipeline stops before the truncate; set source.truncate:"
                    + " apply to empty the table in the sinks and go on");
        }
        LOG.info("Truncate of {} at {} enters the stream", truncate.table(), truncate);
        output.collect(ChangeEvent.truncate(truncate.table(), new SourcePosition(truncate.position()), 0L));
    }

    /** Where a binlog-phase record lies, or -1 for records that carry no place in the binlog. */
    private static long streamPosition(SourceRecord element) {
        if (RecordUtils.isDataChangeRecord(element)) {
            Struct source = ((Struct) element.value()).getStruct("source");
            Long pos = source.getInt64("pos");
            Integer row = source.getInt32("row");
            return pos == null ? -1 : BinlogPositions.ofRow(source.getString("file"), pos, row == null ? 0 : row);
        }
        if (RecordUtils.isHeartbeatEvent(element)) {
            BinlogOffset offset = RecordUtils.getBinlogPosition(element);
            return offset.getFilename() == null || offset.getFilename().isEmpty()
                    ? -1 : BinlogPositions.ofEnd(offset.getFilename(), offset.getPosition());
        }
        return -1;
    }

    /** The scanner, started where this reader's binlog split starts (or the binlog's end, if that is unknown). */
    private BinlogTruncateScanner scanner(MySqlSplitState splitState) throws SQLException {
        if (truncates == null) {
            BinlogOffset start = splitState.asBinlogSplitState().getStartingOffset();
            String file = start == null ? null : start.getFilename();
            long offset = start == null ? 4 : start.getPosition();
            if (file == null || file.isEmpty()) {
                try (Connection c = connect(); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
                    if (!rs.next()) {
                        throw new SQLException("SHOW MASTER STATUS returned nothing: is the binary log on?");
                    }
                    file = rs.getString(1);
                    offset = rs.getLong(2);
                }
            }
            truncates = new BinlogTruncateScanner(this::connect, captured, file, Math.max(4, offset));
            LOG.info("Looking for truncates of {} from {}:{}", captured, file, offset);
        }
        return truncates;
    }

    private Connection connect() throws SQLException {
        return MySqlConnections.open(source);
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
