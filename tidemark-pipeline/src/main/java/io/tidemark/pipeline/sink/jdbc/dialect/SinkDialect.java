package io.tidemark.pipeline.sink.jdbc.dialect;

import io.tidemark.pipeline.event.TableId;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * What the JDBC sink needs to know about one target database: how to quote, how to write a
 * position-guarded upsert and delete, where to keep tombstones and progress, and which errors are
 * worth a retry. PostgreSQL is the first implementation; MariaDB/MySQL follow the same seam.
 */
public interface SinkDialect extends Serializable {

    /** The column on every sink table that holds the source position of the row's last change. */
    String POSITION_COLUMN = "_tidemark_pos";

    String name();

    String quoteIdentifier(String identifier);

    default String quoteTable(TableId table) {
        return quoteIdentifier(table.schema()) + "." + quoteIdentifier(table.table());
    }

    /** Statements run once on every new connection, before it is used. */
    default List<String> sessionSetup() {
        return List.of();
    }

    /** A query giving the server's id of this connection's session, for {@link #endSession}. */
    String sessionId();

    /**
     * The statement that, run on another connection of the same user, ends session {@code id} and rolls back
     * its transaction, even while it waits on a lock (which neither an interrupt nor closing its JDBC
     * connection does).
     */
    String endSession(long id);

    /** Driver properties that make batching fast and binding forgiving; credentials excluded. */
    Properties connectionProperties();

    /**
     * An upsert of {@code columns} (plus the position column, bound last) that only overwrites an
     * existing row whose position is lower than the new one.
     */
    String guardedUpsert(TableId table, List<String> columns, List<String> keyColumns);

    /** Deletes the row with the given key (bound first) only if its position is lower (bound last). */
    String guardedDelete(TableId table, List<String> keyColumns);

    /**
     * The position of the row with the given key (bound in key order), for a replay that first asks
     * whether the sink already holds the row at or after a queued change. A read only: rows are
     * written by {@link #guardedUpsert} and {@link #guardedDelete} alone.
     */
    default String selectPosition(TableId table, List<String> keyColumns) {
        StringBuilder sql = new StringBuilder("SELECT ").append(quoteIdentifier(POSITION_COLUMN))
                .append(" FROM ").append(quoteTable(table)).append(" WHERE ");
        for (int i = 0; i < keyColumns.size(); i++) {
            sql.append(i == 0 ? "" : " AND ").append(quoteIdentifier(keyColumns.get(i))).append(" = ?");
        }
        return sql.toString();
    }

    /** A table of Tidemark's own in the sink database, qualified as the dialect needs it. */
    String metadataTable(String name);

    /** DDL that adds the position column to a sink table that lacks it. */
    String addPositionColumn(TableId table);

    /** DDL for the tombstone and progress tables, idempotent. */
    List<String> metadataTables();

    /** Records a delete: (table, key, position); keeps the newer tombstone. */
    String upsertTombstone();

    /** Tombstones of one table for {@code keys} keys: binds the table, then each key. */
    default String selectTombstones(int keys) {
        return "SELECT row_key, pos FROM " + tombstoneTable() + " WHERE table_name = ? AND row_key IN ("
                + String.join(", ", java.util.Collections.nCopies(keys, "?")) + ")";
    }

    /** Whether the driver binds a list of keys as one array parameter (see {@link #selectTombstonesOfKeyArray}). */
    default boolean bindsKeyArrays() {
        return false;
    }

    /** Tombstones of one table for an array of keys: binds the table, then the keys as one text array. */
    default String selectTombstonesOfKeyArray() {
        throw new UnsupportedOperationException(name() + " binds keys one parameter each");
    }

    /** The (qualified) name of the tombstone table. */
    default String tombstoneTable() {
        return metadataTable("_tidemark_tombstones");
    }

    /**
     * Removes at most a number of tombstones (bound second) older than a number of seconds (bound
     * first), through the index on {@code deleted_at}, so that each transaction stays short.
     */
    String expireTombstones();

    /** DDL for the metadata tables' secondary indexes that {@code connection}'s database still lacks. */
    List<String> missingMetadataIndexes(Connection connection) throws SQLException;

    /** Records the highest position a writer has applied: binds pipeline, writer, position. */
    String upsertProgress();

    /** The (qualified) name of the progress table. */
    default String progressTable() {
        return metadataTable("_tidemark_progress");
    }

    /** The highest position any writer of a pipeline has applied (bound), or -1. */
    default String selectRecoveryHorizon() {
        return "SELECT COALESCE(MAX(max_pos), -1) FROM " + progressTable() + " WHERE pipeline = ?";
    }

    /** The primary key columns of a table, in key order; empty if the table has none. */
    default List<String> primaryKey(Connection connection, TableId table) throws SQLException {
        java.util.Map<Short, String> byPosition = new java.util.TreeMap<>();
        try (java.sql.ResultSet rs = connection.getMetaData().getPrimaryKeys(
                catalog(table), schemaPattern(table), table.table())) {
            while (rs.next()) {
                byPosition.put(rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME"));
            }
        }
        return new java.util.ArrayList<>(byPosition.values());
    }

    /** The (qualified) name of the writer fence table (see {@code WriterFence}). */
    default String fenceTable() {
        return metadataTable("_tidemark_fence");
    }

    /** How a locking read takes a shared lock: {@code FOR SHARE} or {@code LOCK IN SHARE MODE}. */
    String shareLockClause();

    /** Creates the fence row of a pipeline's sink if it has none: binds pipeline, sink, owner. */
    String insertFence();

    /** The fence row's epoch and owner, locked for update: binds pipeline, sink. */
    default String lockFence() {
        return "SELECT epoch, owner FROM " + fenceTable() + " WHERE pipeline = ? AND sink = ? FOR UPDATE";
    }

    /** Sets a new epoch and owner: binds epoch, owner, pipeline, sink. */
    String bumpFence();

    /** The fence row's epoch, share-locked until the transaction ends: binds pipeline, sink. */
    default String checkFence() {
        return "SELECT epoch FROM " + fenceTable() + " WHERE pipeline = ? AND sink = ?" + shareLockClause();
    }

    /** The (qualified) name of the table of truncation marks: per sink table, the position of its last truncate. */
    default String truncationTable() {
        return metadataTable("_tidemark_truncations");
    }

    /** The (qualified) name of the table where writer subtasks report that they reached a truncate. */
    default String truncateArrivalTable() {
        return metadataTable("_tidemark_truncate_arrivals");
    }

    /** What makes an INSERT leave an existing row alone: {@code ON CONFLICT DO NOTHING} or its equivalent. */
    String onConflictDoNothing(String keyColumn);

    /** Creates a table's truncation mark (position -1) if it has none: binds the table. */
    default String insertTruncationMark() {
        return "INSERT INTO " + truncationTable() + " (table_name, pos) VALUES (?, -1)"
                + onConflictDoNothing("table_name");
    }

    /** A table's truncation mark, locked for update: binds the table. */
    default String lockTruncationMark() {
        return "SELECT pos FROM " + truncationTable() + " WHERE table_name = ? FOR UPDATE";
    }

    /** Every table's truncation mark that a truncate has set. */
    default String selectTruncationMarks() {
        return "SELECT table_name, pos FROM " + truncationTable() + " WHERE pos >= 0";
    }

    /** Sets a table's truncation mark: binds position, table. */
    String setTruncationMark();

    /** Records a subtask's arrival at a truncate: binds pipeline, sink, table, position, epoch, subtask. */
    default String insertTruncateArrival() {
        return "INSERT INTO " + truncateArrivalTable() + " (pipeline, sink, table_name, pos, epoch, subtask)"
                + " VALUES (?, ?, ?, ?, ?, ?)" + onConflictDoNothing("subtask");
    }

    /** Subtasks of one epoch below a count that reached a truncate: binds pipeline, sink, table, position, epoch, count. */
    default String countTruncateArrivals() {
        return "SELECT count(*) FROM " + truncateArrivalTable() + " WHERE pipeline = ? AND sink = ? AND table_name = ?"
                + " AND pos = ? AND epoch = ? AND subtask < ?";
    }

    /** Forgets the arrivals at a table's truncates up to a position: binds pipeline, sink, table, position. */
    default String deleteTruncateArrivals() {
        return "DELETE FROM " + truncateArrivalTable() + " WHERE pipeline = ? AND sink = ? AND table_name = ? AND pos <= ?";
    }

    /** Deletes the rows a truncate removed, those written before it: binds the truncate's position. */
    default String deleteRowsBefore(TableId table) {
        return "DELETE FROM " + quoteTable(table) + " WHERE " + quoteIdentifier(POSITION_COLUMN) + " < ?";
    }

    /**
     * Deletes the rows of a snapshot chunk that were written before the chunk's high watermark (see
     * {@link io.tidemark.pipeline.event.ChangeOperation#SWEEP}): binds the lower bound if {@code
     * from}, the upper bound if {@code to}, then the position.
     */
    default String deleteChunkRowsBefore(TableId table, String keyColumn, boolean from, boolean to) {
        StringBuilder sql = new StringBuilder("DELETE FROM ").append(quoteTable(table)).append(" WHERE ");
        if (from) {
            sql.append(quoteIdentifier(keyColumn)).append(" >= ? AND ");
        }
        if (to) {
            sql.append(quoteIdentifier(keyColumn)).append(" < ? AND ");
        }
        return sql.append(quoteIdentifier(POSITION_COLUMN)).append(" < ?").toString();
    }

    /** Deletes a table's tombstones that a truncation mark supersedes: binds table, position. */
    default String deleteTombstonesBefore() {
        return "DELETE FROM " + tombstoneTable() + " WHERE table_name = ? AND pos < ?";
    }

    /**
     * A statement that makes the transaction check deferrable constraints at its commit, or null
     * where the database has none; a sink in apply-order source runs it in every transaction.
     */
    default String deferConstraints() {
        return null;
    }

    /**
     * The (qualified) name of the table of changes a sink in apply-order source put aside while it
     * catches up after the snapshot (see {@code DeferredChanges}).
     */
    default String deferredTable() {
        return metadataTable("_tidemark_deferred");
    }

    /** Raises the highest snapshot position a sink has applied: binds position, pipeline, sink. */
    default String recordSnapshotPosition() {
        return "UPDATE " + fenceTable() + " SET snapshot_pos = GREATEST(snapshot_pos, ?) WHERE pipeline = ? AND sink = ?";
    }

    /** The highest snapshot position a sink has applied: binds pipeline, sink. */
    default String selectSnapshotPosition() {
        return "SELECT snapshot_pos FROM " + fenceTable() + " WHERE pipeline = ? AND sink = ?";
    }

    /** Whether an error is an integrity-constraint violation (SQLSTATE class 23): a unique or foreign key refused a row. */
    default boolean isConstraintViolation(SQLException error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an error says a table the sink writes to does not exist (PostgreSQL's 42P01, MySQL's
     * 42S02): not one change's fault, so no change goes to the dead-letter queue for it; the job
     * fails and restarts until the table is back.
     */
    default boolean isMissingTable(SQLException error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && ("42P01".equals(sql.getSQLState()) || "42S02".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a table exists. */
    default boolean tableExists(Connection connection, TableId table) throws SQLException {
        try (java.sql.ResultSet rs = connection.getMetaData().getTables(
                catalog(table), schemaPattern(table), table.table(), null)) {
            return rs.next();
        }
    }

    /** Whether a table has a column. */
    default boolean columnExists(Connection connection, TableId table, String column) throws SQLException {
        try (java.sql.ResultSet rs = connection.getMetaData().getColumns(
                catalog(table), schemaPattern(table), table.table(), column)) {
            return rs.next();
        }
    }

    /** How JDBC metadata calls name the table's schema: as a catalog (MySQL) or a schema. */
    default String catalog(TableId table) {
        return null;
    }

    default String schemaPattern(TableId table) {
        return table.schema();
    }

    /**
     * Turns a change-event value into what the driver binds best for a sink column of a
     * {@link java.sql.Types} type; identity by default.
     */
    default Object toBindValue(Object value, int sqlType) {
        return value;
    }

    /** Whether an error is transient (connection lost, deadlock, serialization failure, timeout). */
    boolean isTransient(SQLException error);

    static SinkDialect forUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return new PostgresSinkDialect();
        }
        if (url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:")) {
            return new MySqlSinkDialect();
        }
        throw new IllegalArgumentException(
                "no sink dialect for " + url.substring(0, Math.min(url.length(), url.indexOf(':', 5) + 1))
                        + " URLs; supported: jdbc:postgresql:, jdbc:mysql:, jdbc:mariadb:");
    }
}
