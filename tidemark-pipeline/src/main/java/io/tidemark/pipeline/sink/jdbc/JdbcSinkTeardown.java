package io.tidemark.pipeline.sink.jdbc;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.DeadLetterQueueType;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.dlq.DeadLetterTeardown;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.teardown.Teardown;
import io.tidemark.pipeline.teardown.TeardownOptions;
import io.tidemark.pipeline.teardown.TeardownSection;
import io.tidemark.pipeline.teardown.TeardownStep;
import io.tidemark.pipeline.teardown.TeardownStep.Action;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Removes what a JDBC sink holds for a pipeline that is stopped for good: the rows of Tidemark's
 * metadata tables that belong to it ({@link JdbcSinkPreparer} creates the tables, the writers fill
 * them), the tables themselves once nobody's rows are left, and on request the position column of
 * its sink tables. Its dead-letter entries stay unless asked for: they are changes never applied.
 *
 * <p>Fence, progress, truncate arrivals and deferred changes are keyed by pipeline; tombstones and
 * truncation marks only by sink table, and the sink records no table's owner. So those rows, the
 * position columns and the tables go only where no other pipeline shows in this database (fence or
 * progress rows of another pipeline, or a truncation mark of a table this pipeline does not write):
 * a running neighbour whose table or tombstones vanished could resurrect deleted rows or fail.
 */
public final class JdbcSinkTeardown implements Teardown {

    /** How a metadata table's rows are tied to a pipeline. */
    private enum Keyed {
        PIPELINE,
        SINK_TABLE,
        DEAD_LETTERS
    }

    /** A metadata table and the condition that selects this pipeline's (or this sink's) rows. */
    private record Table(String name, Keyed keyed, String where, List<Object> params) {}

    /** What the plan decided for one sink table's position column. */
    private record Column(TableId table, TeardownStep step) {}

    /** What the plan decided for one table. */
    private record Decision(Table table, long ownRows, boolean delete, boolean drop) {}

    private final String pipeline;
    private final JdbcSinkDef sink;
    private final SinkDialect dialect;
    private final JdbcConnectionFactory connections;
    private final List<TableId> sinkTables;
    private final Set<String> pipelineTables = new TreeSet<>();
    private final DeadLetterQueueDef deadLetters;
    private final TeardownOptions options;
    /** The sink's dead-letter entries where the queue is elsewhere (a database of its own, Kafka). */
    private final DeadLetterTeardown queueElsewhere;
    private final List<Decision> decisions = new ArrayList<>();
    /** What the plan decided for each sink table's position column. */
    private final List<Column> columns = new ArrayList<>();
    /** Why rows keyed by sink table stay: another pipeline writes to this database; null if none does. */
    private String shared;

    /**
     * @param sinkTables the sink tables the pipeline's routes write in this sink
     * @param pipelineTables the sink tables of all the pipeline's routes, in any sink
     */
    public JdbcSinkTeardown(String pipeline, JdbcSinkDef sink, Collection<TableId> sinkTables,
            Collection<TableId> pipelineTables, DeadLetterQueueDef deadLetters, TeardownOptions options) {
        this.pipeline = pipeline;
        this.sink = sink;
        this.dialect = SinkDialect.forUrl(sink.url());
        this.connections = JdbcConnectionFactory.of(sink);
        this.sinkTables = List.copyOf(new LinkedHashSet<>(sinkTables));
        pipelineTables.forEach(t -> this.pipelineTables.add(t.toString()));
        this.deadLetters = deadLetters;
        this.options = options;
        this.queueElsewhere = new DeadLetterTeardown(pipeline, sink.name(), deadLetters, options.includeDeadLetters());
    }

    private boolean queueInSink() {
        return deadLetters.type() == DeadLetterQueueType.JDBC && deadLetters.url() == null;
    }

    private String title() {
        return "sinks." + sink.name() + " " + sink.url().replaceFirst("\\?.*$", "");
    }

    private List<Table> tables() {
        List<Table> tables = new ArrayList<>();
        String ofSink = "pipeline = ? AND sink = ?";
        tables.add(new Table(dialect.fenceTable(), Keyed.PIPELINE, ofSink, List.of(pipeline, sink.name())));
        String writer = sink.name() + "-"; // BatchApplier's writer ids: <sink>-<subtask>-<flusher>, <sink>-replay
        tables.add(new Table(dialect.progressTable(), Keyed.PIPELINE, "pipeline = ? AND LEFT(writer, ?) = ?",
                List.of(pipeline, writer.length(), writer)));
        tables.add(new Table(dialect.truncateArrivalTable(), Keyed.PIPELINE, ofSink, List.of(pipeline, sink.name())));
        tables.add(new Table(dialect.deferredTable(), Keyed.PIPELINE, ofSink, List.of(pipeline, sink.name())));
        if (!sinkTables.isEmpty()) {
            String in = "table_name IN (" + String.join(", ", Collections.nCopies(sinkTables.size(), "?")) + ")";
            List<Object> names = sinkTables.stream().map(t -> (Object) t.toString()).toList();
            tables.add(new Table(dialect.tombstoneTable(), Keyed.SINK_TABLE, in, names));
            tables.add(new Table(dialect.truncationTable(), Keyed.SINK_TABLE, in, names));
        }
        if (queueInSink()) {
            tables.add(new Table(deadLetters.table(), Keyed.DEAD_LETTERS, ofSink, List.of(pipeline, sink.name())));
        }
        return tables;
    }

    private Connection open() throws SQLException {
        try {
            return connections.open(dialect);
        } catch (SQLException e) {
            throw new SQLException("sinks." + sink.name() + ": cannot connect to " + connections.describe() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e.getSQLState(), e.getErrorCode(), e);
        }
    }

    @Override
    public TeardownSection plan() throws SQLException {
        decisions.clear();
        columns.clear();
        List<TeardownStep> steps = new ArrayList<>();
        try (Connection c = open()) {
            c.setAutoCommit(true); // a missing table fails one statement, not a transaction
            shared = sharedWith(c);
            for (Table table : tables()) {
                long total = count(c, table.name(), null, List.of());
                if (total < 0) {
                    continue; // never created: nothing of anyone's
                }
                long own = count(c, table.name(), table.where(), table.params());
                boolean delete = switch (table.keyed()) {
                    case PIPELINE -> true;
                    case SINK_TABLE -> shared == null;
                    case DEAD_LETTERS -> options.includeDeadLetters();
                };
                boolean drop = shared == null && total - (delete ? own : 0) == 0;
                decisions.add(new Decision(table, own, delete, drop));
                if (own > 0) {
                    steps.add(delete ? TeardownStep.delete(rowsOf(table), own)
                            : TeardownStep.keep(rowsOf(table), own, keepReason(table)));
                }
                if (drop) {
                    steps.add(TeardownStep.drop("table " + table.name()));
                }
            }
            for (TableId table : sinkTables) {
                if (!dialect.tableExists(c, table) || !dialect.columnExists(c, table, SinkDialect.POSITION_COLUMN)) {
                    continue;
                }
                String column = "column " + SinkDialect.POSITION_COLUMN + " of " + table;
                columns.add(new Column(table, !options.dropPositionColumns()
                        ? TeardownStep.keep(column, null, "--drop-position-columns drops it")
                        : shared != null ? TeardownStep.keep(column, null, shared) : TeardownStep.drop(column)));
            }
        }
        columns.forEach(column -> steps.add(column.step()));
        if (!queueInSink()) {
            steps.addAll(queueElsewhere.plan());
        }
        return new TeardownSection(title(), steps);
    }

    private String rowsOf(Table table) {
        return table.keyed() == Keyed.SINK_TABLE
                ? table.name() + " for " + String.join(", ", sinkTables.stream().map(TableId::toString).toList())
                : table.name();
    }

    private String keepReason(Table table) {
        return table.keyed() == Keyed.DEAD_LETTERS
                ? "dead letters, changes the sink never applied, stay unless --include-dead-letters"
                : shared;
    }

    /** Why this database is not the pipeline's alone, or null if nothing shows another pipeline here. */
    private String sharedWith(Connection c) throws SQLException {
        Set<String> others = new TreeSet<>();
        others.addAll(strings(c, "SELECT DISTINCT pipeline FROM " + dialect.fenceTable() + " WHERE pipeline <> ?"));
        others.addAll(strings(c, "SELECT DISTINCT pipeline FROM " + dialect.progressTable() + " WHERE pipeline <> ?"));
        String unknown = ", and the sink does not record which tables each pipeline writes";
        if (!others.isEmpty()) {
            return (others.size() == 1 ? "pipeline " : "pipelines ") + String.join(", ", others)
                    + (others.size() == 1 ? " also writes" : " also write") + " to this database" + unknown;
        }
        Set<String> marked = new TreeSet<>(strings(c, "SELECT table_name FROM " + dialect.truncationTable()));
        marked.removeAll(pipelineTables);
        return marked.isEmpty() ? null : "the truncation mark of " + marked.iterator().next() + ", a table this"
                + " pipeline does not write, shows another pipeline writing to this database" + unknown;
    }

    /** The first column of {@code sql}'s rows, with the pipeline bound if it takes a parameter; none if the table is missing. */
    private List<String> strings(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (sql.contains("?")) {
                ps.setString(1, pipeline);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            if (!dialect.isMissingTable(e)) {
                throw e;
            }
        }
        return values;
    }

    /** Rows of {@code table} matching {@code where} (all if null); -1 if the table does not exist. */
    private long count(Connection c, String table, String where, List<Object> params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM " + table + (where == null ? "" : " WHERE " + where))) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            if (dialect.isMissingTable(e)) {
                return -1;
            }
            throw e;
        }
    }

    private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            ps.setObject(i + 1, params.get(i));
        }
    }

    /**
     * Reads the sink again and removes what that plan decides, in one transaction where the database
     * takes DDL in one (PostgreSQL; MySQL/MariaDB commit at each DROP).
     */
    @Override
    public TeardownSection execute() throws SQLException {
        plan();
        List<TeardownStep> done = new ArrayList<>();
        try (Connection c = open()) {
            c.setAutoCommit(false);
            try {
                for (Decision decision : decisions) {
                    Table table = decision.table();
                    if (decision.delete() && decision.ownRows() > 0) {
                        try (PreparedStatement ps = c.prepareStatement(
                                "DELETE FROM " + table.name() + " WHERE " + table.where())) {
                            bind(ps, table.params());
                            done.add(TeardownStep.delete(rowsOf(table), ps.executeUpdate()));
                        }
                    } else if (decision.ownRows() > 0) {
                        done.add(TeardownStep.keep(rowsOf(table), decision.ownRows(), keepReason(table)));
                    }
                    if (decision.drop()) {
                        long left = count(c, table.name(), null, List.of());
                        if (left == 0) {
                            run(c, "DROP TABLE " + table.name());
                            done.add(TeardownStep.drop("table " + table.name()));
                        } else if (left > 0) {
                            done.add(TeardownStep.keep("table " + table.name(), left, "rows arrived since the plan"));
                        }
                    }
                }
                for (Column column : columns) {
                    if (column.step().action() == Action.DROP) {
                        run(c, "ALTER TABLE " + dialect.quoteTable(column.table()) + " DROP COLUMN "
                                + dialect.quoteIdentifier(SinkDialect.POSITION_COLUMN));
                    }
                    done.add(column.step());
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw new SQLException("sinks." + sink.name() + ": " + String.valueOf(e.getMessage()).lines().findFirst()
                        .orElse("") + "; run the drop again once that is fixed", e.getSQLState(), e.getErrorCode(), e);
            }
        }
        if (!queueInSink()) {
            done.addAll(queueElsewhere.execute());
        }
        return new TeardownSection(title(), done);
    }

    private static void run(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
