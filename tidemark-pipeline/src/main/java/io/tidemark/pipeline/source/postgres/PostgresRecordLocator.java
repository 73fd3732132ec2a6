package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.debezium.SourceRecordLocator;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

/** A PostgreSQL change lies at its WAL position (LSN), which orders every change of the server. */
final class PostgresRecordLocator implements SourceRecordLocator {

    private static final long serialVersionUID = 1L;

    @Override
    public TableId tableOf(Struct source) {
        return new TableId(source.getString("schema"), source.getString("table"));
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
