package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.reader.external.FetchTask;
import org.apache.flink.cdc.connectors.base.source.reader.external.JdbcSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;

/**
 * Flink CDC's PostgreSQL dialect with snapshot chunks read by {@link PostgresChunkScanTask}, and
 * stream changes passed on unfiltered ({@link TidemarkPostgresFetchTaskContext}) for {@link
 * SnapshotHandover} to place by commit.
 */
final class TidemarkPostgresDialect extends PostgresDialect {

    private static final long serialVersionUID = 1L;

    TidemarkPostgresDialect(PostgresSourceConfig sourceConfig) {
        super(sourceConfig);
    }

    @Override
    public FetchTask<SourceSplitBase> createFetchTask(SourceSplitBase split) {
        if (split.isSnapshotSplit()) {
            return new PostgresChunkScanTask(split.asSnapshotSplit());
        }
        return super.createFetchTask(split);
    }

    @Override
    public JdbcSourceFetchTaskContext createFetchTaskContext(JdbcSourceConfig taskSourceConfig) {
        return new TidemarkPostgresFetchTaskContext(taskSourceConfig, this);
    }
}
