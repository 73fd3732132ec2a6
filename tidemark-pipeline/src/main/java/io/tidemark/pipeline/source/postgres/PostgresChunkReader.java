package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.utils.PostgresQueryUtils;
import org.apache.flink.util.FlinkRuntimeException;

import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.connector.postgresql.PostgresPartition;
import io.debezium.connector.postgresql.PostgresSchema;
import io.debezium.connector.postgresql.PostgresStreamingChangeEventSource.PgConnectionSupplier;
import io.debezium.connector.postgresql.PostgresType;
import io.debezium.connector.postgresql.TypeRegistry;
import io.debezium.connector.postgresql.Utils;
import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.connector.postgresql.connection.ReplicationMessageColumnValueResolver;
import io.debezium.pipeline.EventDispatcher;
import io.debezium.relational.Column;
import io.debezium.relational.SnapshotChangeRecordEmitter;
import io.debezium.relational.Table;
import io.debezium.util.Clock;
import io.debezium.util.ColumnUtils;

import org.postgresql.core.BaseConnection;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Reads the rows of one snapshot chunk in PostgreSQL's text form and decodes every value with
 * Debezium's pgoutput value resolver, exactly as the stream decodes the same value: the snapshot
 * and the stream cannot disagree on a value, and every type the stream can carry, the snapshot can.
 */
final class PostgresChunkReader {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PostgresChunkReader.class);

    private final PostgresSourceFetchTaskContext context;
    private final SnapshotSplit split;

    PostgresChunkReader(PostgresSourceFetchTaskContext context, SnapshotSplit split) {
        this.context = context;
        this.split = split;
    }

    void read() throws Exception {
        PostgresConnection jdbc = context.getConnection();
        PostgresSchema schema = context.getDatabaseSchema();
        Utils.refreshSchema(schema, jdbc, true);
        Table table = schema.tableFor(split.getTableId());
        if (table == null) {
            throw new IllegalStateException("table " + split.getTableId() + " is not in the source's schema");
        }
        PostgresOffsetContext offset = context.getOffsetContext();
        PostgresPartition partition = context.getPartition();
        EventDispatcher.SnapshotReceiver<PostgresPartition> receiver =
                context.getEventDispatcher().getSnapshotChangeEventReceiver();
        TypeRegistry types = jdbc.getTypeRegistry();
        boolean includeUnknownTypes = context.getDbzConnectorConfig().getConfig()
                .getBoolean(PostgresConnectorConfig.INCLUDE_UNKNOWN_DATATYPES);
        Clock clock = Clock.SYSTEM;

        List<String> uuidKeys = split.getSplitKeyType().getFieldNames().stream()
                .filter(field -> table.columnWithName(field).typeName().equals("uuid"))
                .toList();
        String select = PostgresQueryUtils.buildSplitScanQuery(split.getTableId(), split.getSplitKeyType(),
                split.getSplitStart() == null, split.getSplitEnd() == null, uuidKeys);
        try (PreparedStatement statement = PostgresQueryUtils.readTableSplitDataStatement(jdbc, select,
                        split.getSplitStart() == null, split.getSplitEnd() == null, split.getSplitStart(),
                        split.getSplitEnd(), split.getSplitKeyType().getFieldCount(),
                        context.getDbzConnectorConfig().getSnapshotFetchSize());
                ResultSet rs = statement.executeQuery()) {
            Column[] columns = ColumnUtils.toArray(rs, table).getColumns();
            // looked up once per chunk, not per value
            PostgresType[] columnTypes = new PostgresType[columns.length];
            for (int i = 0; i < columns.length; i++) {
                columnTypes[i] = types.get(columns[i].nativeType());
            }
            PgConnectionSupplier connection = () -> (BaseConnection) jdbc.connection();
            int width = table.columns().size();
            long started = System.nanoTime();
            long rows = 0;
            while (rs.next()) {
                rows++;
                Object[] row = new Object[width];
                for (int i = 0; i < columns.length; i++) {
                    Column column = columns[i];
                    row[column.position() - 1] = ReplicationMessageColumnValueResolver.resolveValue(column.name(),
                            columnTypes[i], column.typeName(), new PostgresTextValue(rs.getString(i + 1)), connection,
                            includeUnknownTypes, types);
                }
                offset.event(table.id(), clock.currentTime());
                context.getEventDispatcher().dispatchSnapshotEvent(partition, table.id(),
                        new SnapshotChangeRecordEmitter<>(partition, offset, row, clock), receiver);
            }
            LOG.info("Snapshot chunk {} of {}: {} rows read in {} ms", split.splitId(), table.id(), rows,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException e) {
            throw new FlinkRuntimeException("Snapshotting of table " + table.id() + " failed: " + e.getMessage(), e);
        }
        receiver.completeSnapshot();
    }
}
