package io.tidemark.pipeline.sink.jdbc;

import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Checks a JDBC sink before the job starts: every routed sink table exists with the source table's
 * primary key, and in the default apply order has no constraint that spans rows (a unique index
 * besides the primary key, a foreign key), which changes applied out of source order across rows
 * would break; then adds the position column where missing and creates the metadata tables. Doing
 * this once, before submission, keeps DDL out of the parallel writers.
 */
public final class JdbcSinkPreparer {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSinkPreparer.class);

    private final String sinkName;
    private final JdbcConnectionFactory connections;
    private final SinkDialect dialect;

    public JdbcSinkPreparer(String sinkName, JdbcConnectionFactory connections, SinkDialect dialect) {
        this.sinkName = sinkName;
        this.connections = connections;
        this.dialect = dialect;
    }

    /** A connection to the sink; a failure names the sink as the pipeline file does ({@code sinks.warehouse}). */
    private Connection open() throws SQLException {
        try {
            return connections.open(dialect);
        } catch (SQLException e) {
            throw new SQLException("sinks." + sinkName + ": cannot connect to " + connections.describe() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e.getSQLState(), e.getErrorCode(), e);
        }
    }

    /** Prepares the sink for the default apply order, without knowing the source's keys. */
    public void prepare(Map<TableId, TableId> sinkTables) throws SQLException {
        prepare(sinkTables, Map.of(), ApplyOrder.KEYED);
    }

    /**
     * @param sinkTables source table to sink table
     * @param sourceKeys each source table's primary key columns (a table missing here is not compared)
     */
    public void prepare(Map<TableId, TableId> sinkTables, Map<TableId, List<String>> sourceKeys, ApplyOrder order)
            throws SQLException {
        try (Connection c = open()) {
            c.setAutoCommit(true);
            List<String> problems = new ArrayList<>();
            for (Map.Entry<TableId, TableId> route : sinkTables.entrySet()) {
                problems.addAll(check(c, route.getKey(), route.getValue(), sourceKeys.get(route.getKey()), order));
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException(String.join("\n", problems));
            }
            try (Statement st = c.createStatement()) {
                for (String ddl : dialect.metadataTables()) {
                    st.execute(ddl);
                }
                for (String ddl : dialect.missingMetadataIndexes(c)) {
                    st.execute(ddl);
                }
                for (TableId table : sinkTables.values()) {
                    if (!dialect.columnExists(c, table, SinkDialect.POSITION_COLUMN)) {
                        st.execute(dialect.addPositionColumn(table));
                    }
                }
            }
            // every table has a truncation mark row before the job starts, so a truncate can always lock it
            try (PreparedStatement marks = c.prepareStatement(dialect.insertTruncationMark())) {
                for (TableId table : sinkTables.values()) {
                    marks.setString(1, table.toString());
                    marks.executeUpdate();
                }
            }
            LOG.info("Sink {} prepared: {} tables, apply order {}", sinkName, sinkTables.size(), order);
        }
    }

    private List<String> check(Connection c, TableId source, TableId table, List<String> sourceKey, ApplyOrder order)
            throws SQLException {
        String at = "sinks." + sinkName + ": table " + table;
        if (!dialect.tableExists(c, table)) {
            return List.of(at + " does not exist; create it with the columns and primary key of source table " + source);
        }
        List<String> key = dialect.primaryKey(c, table);
        if (key.isEmpty()) {
            return List.of(at + " has no primary key; give it the primary key of source table " + source);
        }
        List<String> problems = new ArrayList<>();
        if (sourceKey != null && !sourceKey.isEmpty() && !new HashSet<>(key).equals(new HashSet<>(sourceKey))) {
            problems.add(at + " has primary key (" + String.join(", ", key) + ") but source table " + source
                    + " has (" + String.join(", ", sourceKey) + "); the sink table needs the source's primary key");
        }
        if (order == ApplyOrder.KEYED) {
            String why = "; with apply-order: keyed, changes to different rows are applied out of source order,"
                    + " which such a constraint turns into rejected or merged rows: set apply-order: source on the"
                    + " sink, or drop it from the sink table";
            for (String constraint : SinkTableConstraints.acrossRows(c, dialect, table)) {
                problems.add(at + " has " + constraint + why);
            }
        }
        return problems;
    }
}
