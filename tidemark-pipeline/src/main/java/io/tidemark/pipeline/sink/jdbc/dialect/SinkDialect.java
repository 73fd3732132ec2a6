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

    /** Driver properties that make batching fast and binding forgiving; credentials excluded. */
    Properties connectionProperties();

    /**
     * An upsert of {@code columns} (plus the position column, bound last) that only overwrites an
     * existing row whose position is lower than the new one.
     */
    String guardedUpsert(TableId table, List<String> columns, List<String> keyColumns);

    /** Deletes the row with the given key (bound first) only if its position is lower (bound last). */
    String guardedDelete(TableId table, List<String> keyColumns);

    /** DDL that adds the position column to an existing sink table, idempotently. */
    String addPositionColumn(TableId table);

    /** DDL for the tombstone and progress tables, idempotent. */
    List<String> metadataTables();

    /** Records a delete: (table, key, position); keeps the newer tombstone. */
    String upsertTombstone();

    /** Tombstones of one table for a set of keys: binds table, then an array of keys. */
    String selectTombstones();

    /** Removes tombstones older than a number of seconds (bound). */
    String expireTombstones();

    /** Records the highest position a writer has applied: binds pipeline, writer, position. */
    String upsertProgress();

    /** The highest position any writer of a pipeline has applied (bound), or -1. */
    String selectRecoveryHorizon();

    /** The primary key columns of a table, in key order; empty if the table has none. */
    List<String> primaryKey(Connection connection, TableId table) throws SQLException;

    /** Whether an error is transient (connection lost, deadlock, serialization failure, timeout). */
    boolean isTransient(SQLException error);

    static SinkDialect forUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return new PostgresSinkDialect();
        }
        throw new IllegalArgumentException(
                "no sink dialect for " + url.substring(0, Math.min(url.length(), url.indexOf(':', 5) + 1))
                        + " URLs; supported: jdbc:postgresql:");
    }
}
