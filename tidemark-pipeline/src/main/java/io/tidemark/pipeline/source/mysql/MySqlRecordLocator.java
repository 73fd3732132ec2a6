package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.debezium.SourceRecordLocator;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

/**
 * A MySQL or MariaDB change lies at its binlog event and row, read from the record's {@code source}
 * block ({@code file}, {@code pos} of the event, {@code row} within it) and encoded by {@link
 * BinlogPositions}. The table's database is its schema.
 */
final class MySqlRecordLocator implements SourceRecordLocator {

    private static final long serialVersionUID = 1L;

    @Override
    public TableId tableOf(Struct source) {
        return new TableId(source.getString("db"), source.getString("table"));
    }

    @Override
    public String describe(SourcePosition position) {
        return "binlog position " + BinlogPositions.describe(position.value());
    }

    @Override
    public long positionOf(SourceRecord record, Struct source) {
        String file = source.getString("file");
        Long pos = source.getInt64("pos");
        Integer row = source.getInt32("row");
        if (file == null || pos == null) {
            throw new IllegalStateException("change record without a binlog position: " + record.topic());
        }
        return BinlogPositions.ofRow(file, pos, row == null ? 0 : row);
    }
}
