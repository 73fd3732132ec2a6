package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.debezium.SourceRecordLocator;
import io.tidemark.pipeline.source.debezium.StructField;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

/** A PostgreSQL change lies at its WAL position (LSN), which orders every change of the server. */
final class PostgresRecordLocator implements SourceRecordLocator {

    private static final long serialVersionUID = 1L;

    private final StructField schemaField = new StructField("schema");
    private final StructField tableField = new StructField("table");
    /** The table of the last record: consecutive changes are mostly of one table, and its hash codes are kept. */
    private transient TableId lastTable;

    @Override
    public TableId tableOf(Struct source) {
        String schema = schemaField.getString(source);
        String table = tableField.getString(source);
        TableId last = lastTable;
        if (last == null || !last.table().equals(table) || !last.schema().equals(schema)) {
            last = new TableId(schema, table);
            lastTable = last;
        }
        return last;
    }

    @Override
    public String describe(SourcePosition position) {
        return "LSN " + position.toLsnString();
    }

    @Override
    public long positionOf(SourceRecord record, Struct source) {
        Object offsetLsn = record.sourceOffset().get("lsn");
        if (offsetLsn instanceof Number n) {
            return n.longValue();
        }
        if (offsetLsn != null) {
            return Long.parseLong(offsetLsn.toString());
        }
        Long lsn = source.getInt64("lsn");
        if (lsn == null) {
            throw new IllegalStateException("change record without an LSN: " + record.topic());
        }
        return lsn;
    }
}
