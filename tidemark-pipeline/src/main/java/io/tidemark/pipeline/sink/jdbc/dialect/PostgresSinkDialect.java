package io.tidemark.pipeline.sink.jdbc.dialect;

import io.tidemark.pipeline.event.TableId;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * PostgreSQL target. Upserts are {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE pos < new pos},
 * sent as multi-row statements ({@code reWriteBatchedInserts}); strings are sent untyped
 * ({@code stringtype=unspecified}) so that uuid, json and enum columns accept them. Every table
 * and column name is double-quoted, so it means exactly the name the source or the route gives.
 */
public final class PostgresSinkDialect implements SinkDialect {

    private static final long serialVersionUID = 1L;

    private static final String TOMBSTONES = "public._tidemark_tombstones";
    private static final String PROGRESS = "public._tidemark_progress";
    private static final String FENCE = "public._tidemark_fence";
    private static final String TRUNCATIONS = "public._tidemark_truncations";
    private static final String TRUNCATE_ARRIVALS = "public._tidemark_truncate_arrivals";
    private static final String DEFERRED = "public._tidemark_deferred";

    @Override
    public String metadataTable(String name) {
        return "public." + name;
    }

    @Override
    public String name() {
        return "postgresql";
    }

    /**
     * PostgreSQL's rule for a delimited identifier: in double quotes, a quote inside doubled.
     * (flink-connector-jdbc 3.3's {@code PostgresDialect.quoteIdentifier} returns the name as it is,
     * which PostgreSQL folds to lower case and cannot take with a space or a symbol.)
     */
    @Override
    public String quoteIdentifier(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public Properties connectionProperties() {
        Properties props = new Properties();
        props.setProperty("reWriteBatchedInserts", "true");
        props.setProperty("stringtype", "unspecified");
        props.setProperty("ApplicationName", "tidemark");
        props.setProperty("tcpKeepAlive", "true");
        return props;
    }

    @Override
    public String guardedUpsert(TableId table, List<String> columns, List<String> keyColumns) {
        String cols = columns.stream().map(this::quoteIdentifier).collect(Collectors.joining(", "));
        String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
        String keys = keyColumns.stream().map(this::quoteIdentifier).collect(Collectors.joining(", "));
        String pos = quoteIdentifier(POSITION_COLUMN);
        String updates =
                columns.stream()
                        .filter(c -> !keyColumns.contains(c))
                        .map(c -> quoteIdentifier(c) + " = EXCLUDED." + quoteIdentifier(c))
                        .collect(Collectors.joining(", "));
        return "INSERT INTO " + quoteTable(table) + " AS t (" + cols + ", " + pos + ") VALUES ("
                + params + ", ?) ON CONFLICT (" + keys + ") DO UPDATE SET "
                + (updates.isEmpty() ? "" : updates + ", ")
                + pos + " = EXCLUDED." + pos
                + " WHERE t." + pos + " < EXCLUDED." + pos;
    }

    @Override
    public String guardedDelete(TableId table, List<String> keyColumns) {
        String where =
                keyColumns.stream().map(c -> quoteIdentifier(c) + " = ?").collect(Collectors.joining(" AND "));
        return "DELETE FROM " + quoteTable(table) + " WHERE " + where + " AND "
                + quoteIdentifier(POSITION_COLUMN) + " < ?";
    }

    @Override
    public String addPositionColumn(TableId table) {
        return "ALTER TABLE " + quoteTable(table) + " ADD COLUMN IF NOT EXISTS "
                + quoteIdentifier(POSITION_COLUMN) + " BIGINT NOT NULL DEFAULT -1";
    }

    @Override
    public List<String> metadataTables() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS " + TOMBSTONES + " (table_name TEXT NOT NULL,"
                        + " row_key TEXT NOT NULL, pos BIGINT NOT NULL,"
                        + " deleted_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                        + " PRIMARY KEY (table_name, row_key))",
                "CREATE TABLE IF NOT EXISTS " + PROGRESS + " (pipeline TEXT NOT NULL,"
                        + " writer TEXT NOT NULL, max_pos BIGINT NOT NULL,"
                        + " updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                        + " PRIMARY KEY (pipeline, writer))",
                "CREATE TABLE IF NOT EXISTS " + FENCE + " (pipeline TEXT NOT NULL, sink TEXT NOT NULL,"
                        + " epoch BIGINT NOT NULL, owner TEXT NOT NULL, snapshot_pos BIGINT NOT NULL DEFAULT -1,"
                        + " updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                        + " PRIMARY KEY (pipeline, sink))",
                "CREATE TABLE IF NOT EXISTS " + TRUNCATIONS + " (table_name TEXT PRIMARY KEY, pos BIGINT NOT NULL,"
                        + " truncated_at TIMESTAMPTZ)",
                "CREATE TABLE IF NOT EXISTS " + TRUNCATE_ARRIVALS + " (pipeline TEXT NOT NULL, sink TEXT NOT NULL,"
                        + " table_name TEXT NOT NULL, pos BIGINT NOT NULL, epoch BIGINT NOT NULL, subtask INT NOT NULL,"
                        + " arrived_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                        + " PRIMARY KEY (pipeline, sink, table_name, pos, epoch, subtask))",
                "CREATE TABLE IF NOT EXISTS " + DEFERRED + " (id CHAR(64) PRIMARY KEY, pipeline TEXT NOT NULL,"
                        + " sink TEXT NOT NULL, pos BIGINT NOT NULL, event BYTEA NOT NULL, error TEXT,"
                        + " deferred_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    }

    @Override
    public String deferConstraints() {
        return "SET CONSTRAINTS ALL DEFERRED";
    }

    @Override
    public String onConflictDoNothing(String keyColumn) {
        return " ON CONFLICT DO NOTHING";
    }

    @Override
    public String setTruncationMark() {
        return "UPDATE " + TRUNCATIONS + " SET pos = ?, truncated_at = now() WHERE table_name = ?";
    }

    @Override
    public String shareLockClause() {
        return " FOR SHARE";
    }

    @Override
    public String insertFence() {
        return "INSERT INTO " + FENCE + " (pipeline, sink, epoch, owner) VALUES (?, ?, 1, ?)"
                + " ON CONFLICT (pipeline, sink) DO NOTHING";
    }

    @Override
    public String bumpFence() {
        return "UPDATE " + FENCE + " SET epoch = ?, owner = ?, updated_at = now() WHERE pipeline = ? AND sink = ?";
    }

    @Override
    public String upsertTombstone() {
        return "INSERT INTO " + TOMBSTONES + " AS x (table_name, row_key, pos, deleted_at)"
                + " VALUES (?, ?, ?, now()) ON CONFLICT (table_name, row_key) DO UPDATE"
                + " SET pos = EXCLUDED.pos, deleted_at = EXCLUDED.deleted_at WHERE x.pos < EXCLUDED.pos";
    }

    @Override
    public boolean bindsKeyArrays() {
        return true;
    }

    @Override
    public String selectTombstonesOfKeyArray() {
        return "SELECT row_key, pos FROM " + TOMBSTONES + " WHERE table_name = ? AND row_key = ANY(?)";
    }

    @Override
    public String expireTombstones() {
        return "DELETE FROM " + TOMBSTONES + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + TOMBSTONES
                + " WHERE deleted_at < now() - make_interval(secs => ?) LIMIT ?))";
    }

    @Override
    public List<String> missingMetadataIndexes(Connection connection) {
        return List.of("CREATE INDEX IF NOT EXISTS _tidemark_tombstones_deleted_at ON " + TOMBSTONES + " (deleted_at)");
    }

    @Override
    public String sessionId() {
        return "SELECT pg_backend_pid()";
    }

    @Override
    public String endSession(long id) {
        return "SELECT pg_terminate_backend(" + id + ")";
    }

    @Override
    public String upsertProgress() {
        return "INSERT INTO " + PROGRESS + " AS p (pipeline, writer, max_pos, updated_at)"
                + " VALUES (?, ?, ?, now()) ON CONFLICT (pipeline, writer) DO UPDATE"
                + " SET max_pos = GREATEST(p.max_pos, EXCLUDED.max_pos), updated_at = now()";
    }

    @Override
    public boolean isTransient(SQLException error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") // connection exception
                        || state.equals("40001") // serialization failure
                        || state.equals("40P01") // deadlock detected
                        || state.equals("55P03") // lock not available
                        || state.equals("57014") // query cancelled (statement timeout)
                        || state.startsWith("57P") // admin shutdown, crash shutdown, cannot connect now
                        || state.equals("53300")) { // too many connections
                    return true;
                }
            }
        }
        return false;
    }
}
