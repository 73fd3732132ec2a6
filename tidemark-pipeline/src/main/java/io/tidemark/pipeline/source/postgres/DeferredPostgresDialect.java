package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.relational.connection.JdbcConnectionPoolFactory;
import org.apache.flink.cdc.connectors.base.source.assigner.splitter.ChunkSplitter;
import org.apache.flink.cdc.connectors.base.source.assigner.state.ChunkSplitterState;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.reader.external.FetchTask;
import org.apache.flink.cdc.connectors.base.source.reader.external.JdbcSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;

import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.connector.postgresql.connection.PostgresReplicationConnection;
import io.debezium.jdbc.JdbcConnection;
import io.debezium.relational.TableId;
import io.debezium.relational.history.TableChanges.TableChange;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A {@link PostgresDialect} built only where it is first used (in the enumerator and the readers),
 * from the config factory. Flink CDC's source takes its dialect when it is constructed, on the
 * client, and a dialect holds a config with the resolved password; this one travels in the job graph
 * without it. Every call goes to the dialect built on first use, a {@link TidemarkPostgresDialect}.
 */
final class DeferredPostgresDialect extends PostgresDialect {

    private static final long serialVersionUID = 1L;

    private final PostgresSourceConfigFactory configFactory;
    private transient PostgresDialect dialect;

    DeferredPostgresDialect(PostgresSourceConfigFactory configFactory) {
        super(null);
        this.configFactory = configFactory;
    }

    private synchronized PostgresDialect dialect() {
        if (dialect == null) {
            // subtask 0's config, as Flink CDC's own builder gives its dialect
            dialect = new TidemarkPostgresDialect(configFactory.create(0));
        }
        return dialect;
    }

    @Override
    public JdbcConnection openJdbcConnection(JdbcSourceConfig sourceConfig) {
        return dialect().openJdbcConnection(sourceConfig);
    }

    @Override
    public PostgresConnection openJdbcConnection() {
        return dialect().openJdbcConnection();
    }

    @Override
    public PostgresReplicationConnection openPostgresReplicationConnection(PostgresConnection jdbcConnection) {
        return dialect().openPostgresReplicationConnection(jdbcConnection);
    }

    @Override
    public String getName() {
        return dialect().getName();
    }

    @Override
    public Offset displayCurrentOffset(JdbcSourceConfig sourceConfig) {
        return dialect().displayCurrentOffset(sourceConfig);
    }

    @Override
    public Offset displayCommittedOffset(JdbcSourceConfig sourceConfig) {
        return dialect().displayCommittedOffset(sourceConfig);
    }

    @Override
    public boolean isDataCollectionIdCaseSensitive(JdbcSourceConfig sourceConfig) {
        return dialect().isDataCollectionIdCaseSensitive(sourceConfig);
    }

    @Override
    @SuppressWarnings("deprecation")
    public ChunkSplitter createChunkSplitter(JdbcSourceConfig sourceConfig) {
        return dialect().createChunkSplitter(sourceConfig);
    }

    @Override
    public ChunkSplitter createChunkSplitter(JdbcSourceConfig sourceConfig, ChunkSplitterState state) {
        return dialect().createChunkSplitter(sourceConfig, state);
    }

    @Override
    public List<TableId> discoverDataCollections(JdbcSourceConfig sourceConfig) {
        return dialect().discoverDataCollections(sourceConfig);
    }

    @Override
    public Map<TableId, TableChange> discoverDataCollectionSchemas(JdbcSourceConfig sourceConfig) {
        return dialect().discoverDataCollectionSchemas(sourceConfig);
    }

    @Override
    public JdbcConnectionPoolFactory getPooledDataSourceFactory() {
        return dialect().getPooledDataSourceFactory();
    }

    @Override
    public TableChange queryTableSchema(JdbcConnection jdbc, TableId tableId) {
        return dialect().queryTableSchema(jdbc, tableId);
    }

    @Override
    public FetchTask<SourceSplitBase> createFetchTask(SourceSplitBase split) {
        return dialect().createFetchTask(split);
    }

    @Override
    public JdbcSourceFetchTaskContext createFetchTaskContext(JdbcSourceConfig taskSourceConfig) {
        return dialect().createFetchTaskContext(taskSourceConfig);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId, Offset offset) throws Exception {
        dialect().notifyCheckpointComplete(checkpointId, offset);
    }

    @Override
    public boolean isIncludeDataCollection(JdbcSourceConfig sourceConfig, TableId tableId) {
        return dialect().isIncludeDataCollection(sourceConfig, tableId);
    }

    @Override
    public String getSlotName() {
        return dialect().getSlotName();
    }

    @Override
    public String getPluginName() {
        return dialect().getPluginName();
    }

    @Override
    public boolean removeSlot(String slotName) {
        return dialect().removeSlot(slotName);
    }

    @Override
    public synchronized void close() throws IOException {
        if (dialect != null) {
            dialect.close();
        }
    }
}
