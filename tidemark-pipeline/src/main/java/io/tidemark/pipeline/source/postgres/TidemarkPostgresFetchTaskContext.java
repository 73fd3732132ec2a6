package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

/**
 * Flink CDC's PostgreSQL fetch context with its stream filter switched off: the stream reader asks
 * it for each change's position only to drop changes that lie at or before their snapshot chunk's
 * high watermark, which loses a transaction that commits after it. Every change is passed on
 * instead, and {@link SnapshotHandover} decides by commit in the record emitter. (In Flink CDC 3.5
 * {@code getStreamOffset} has no other caller; check that again on every upgrade.)
 */
final class TidemarkPostgresFetchTaskContext extends PostgresSourceFetchTaskContext {

    TidemarkPostgresFetchTaskContext(JdbcSourceConfig sourceConfig, PostgresDialect dialect) {
        super(sourceConfig, dialect);
    }

    @Override
    public Offset getStreamOffset(SourceRecord sourceRecord) {
        return PostgresOffset.NO_STOPPING_OFFSET;
    }
}
