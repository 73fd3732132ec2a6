package io.tidemark.pipeline.sink.jdbc;

import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a JDBC sink before the job starts: every routed sink table exists and has a primary key;
 * then adds the position column where missing and creates the tombstone and progress tables. Doing
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

    public void prepare(Map<TableId, TableId> sinkTables) throws SQLException {
        try (Connection c = connections.open(dialect)) {
            c.setAutoCommit(true);
            List<String> problems = new ArrayList<>();
            for (Map.Entry<TableId, TableId> route : sinkTables.entrySet()) {
                TableId table = route.getValue();
                if (!dialect.tableExists(c, table)) {
                    problems.add("sinks." + sinkName + ": table " + table + " does not exist; create it with the"
                            + " columns and primary key of source table " + route.getKey());
                } else if (dialect.primaryKey(c, table).isEmpty()) {
                    problems.add("sinks." + sinkName + ": table " + table + " has no primary key; give it the"
                            + " primary key of source table " + route.getKey());
                }
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
            LOG.info("Sink {} prepared: {} tables", sinkName, sinkTables.size());
        }
    }
}
