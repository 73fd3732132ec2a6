package io.tidemark.cli.schema;

import io.tidemark.cli.schema.SchemaPlan.Finding;
import io.tidemark.cli.schema.SchemaPlan.SinkStatements;
import io.tidemark.cli.schema.SqlColumn.Family;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.reconcile.Connections;
import io.tidemark.reconcile.sql.DatabaseSide;
import io.tidemark.reconcile.sql.SqlFlavor;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares each source table with its table in every JDBC sink and plans what makes the sink hold
 * the source's columns again: a column added in the source is added to the sink (nullable, in the
 * type the pipeline's value mapping writes into), a widened one is widened, a sink column the source
 * dropped may take NULL. It never narrows or retypes a sink column: a source column the sink cannot
 * hold after widening, or a changed primary key, blocks the change with one line. Redis sinks need
 * nothing: a row's hash takes whatever columns its change has.
 */
final class SchemaPlanner {

    private SchemaPlanner() {}

    static SchemaPlan plan(PipelineDef def) throws SQLException {
        List<SinkStatements> sinks = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        try (DatabaseSide source = Connections.source(def.source())) {
            for (SinkDef sink : def.sinks()) {
                if (!(sink instanceof JdbcSinkDef jdbc)) {
                    continue;
                }
                List<String> statements = new ArrayList<>();
                Set<String> tables = new LinkedHashSet<>();
                try (DatabaseSide target = Connections.sink(jdbc)) {
                    for (RouteDef route : def.routes()) {
                        if (route.sink().equals(sink.name())) {
                            int before = statements.size();
                            planTable(source, TableId.parse(route.sourceTable()), target,
                                    TableId.parse(route.sinkTable()), statements, findings);
                            if (statements.size() > before) {
                                tables.add(route.sourceTable());
                            }
                        }
                    }
                }
                sinks.add(new SinkStatements(sink.name(), statements, tables));
            }
        }
        return new SchemaPlan(sinks, findings);
    }

    private static void planTable(DatabaseSide source, TableId sourceTable, DatabaseSide sink, TableId sinkTable,
            List<String> statements, List<Finding> findings) throws SQLException {
        List<SqlColumn> from = SqlColumn.read(source.connectionForSetup(), source.flavor(), sourceTable.schema(),
                sourceTable.table());
        List<SqlColumn> to = SqlColumn.read(sink.connectionForSetup(), sink.flavor(), sinkTable.schema(),
                sinkTable.table());
        String where = sink.label() + " " + sinkTable;
        if (from.isEmpty() || to.isEmpty()) {
            findings.add(new Finding(true, from.isEmpty() ? "source " + sourceTable : where,
                    "the table does not exist; create it first (the pipeline creates no tables)"));
            return;
        }
        if (!source.primaryKey(sourceTable).equals(sink.primaryKey(sinkTable))) {
            findings.add(new Finding(true, where, "primary key " + sink.primaryKey(sinkTable) + " differs from the"
                    + " source's " + source.primaryKey(sourceTable) + "; a schema change never changes a key:"
                    + " rebuild the sink table and start the pipeline anew"));
            return;
        }
        Map<String, SqlColumn> sinkColumns = new HashMap<>();
        to.forEach(c -> sinkColumns.put(c.name(), c));
        String table = quote(sink.flavor(), sinkTable);
        for (SqlColumn column : from) {
            SqlColumn held = sinkColumns.remove(column.name());
            String subject = where + "." + column.name();
            String name = sink.flavor().quoteIdentifier(column.name());
            if (held == null) {
                statements.add("ALTER TABLE " + table + " ADD COLUMN " + name + " "
                        + typeFor(column, sink.flavor(), source.flavor()));
                findings.add(new Finding(false, subject, "added (" + column.type() + " in the source); rows the"
                        + " pipeline has not written since hold NULL in it until their next change"));
            } else if (!holds(held, column)) {
                String widened = widened(held, column, sink.flavor());
                if (widened == null) {
                    findings.add(new Finding(true, subject, "the source's " + column.type() + " does not fit the sink's "
                            + held.type() + ", and widening cannot make it fit; change the sink column by hand, or"
                            + " undo the source's change"));
                } else {
                    statements.add(sink.flavor() == SqlFlavor.POSTGRES
                            ? "ALTER TABLE " + table + " ALTER COLUMN " + name + " TYPE " + widened
                            : "ALTER TABLE " + table + " MODIFY COLUMN " + name + " " + widened
                                    + (held.nullable() ? " NULL" : " NOT NULL"));
                    findings.add(new Finding(false, subject, "widened from " + held.type() + " to " + widened
                            + " (the source's is " + column.type() + ")"));
                }
            }
        }
        sinkColumns.remove(SinkDialect.POSITION_COLUMN);
        for (SqlColumn dropped : sinkColumns.values()) {
            String subject = where + "." + dropped.name();
            if (!dropped.nullable()) {
                String name = sink.flavor().quoteIdentifier(dropped.name());
                statements.add(sink.flavor() == SqlFlavor.POSTGRES
                        ? "ALTER TABLE " + table + " ALTER COLUMN " + name + " DROP NOT NULL"
                        : "ALTER TABLE " + table + " MODIFY COLUMN " + name + " " + dropped.type() + " NULL");
                findings.add(new Finding(false, subject, "not in the source any more: may now take NULL (new rows"
                        + " have none); the column and its values are kept"));
            }
        }
    }

    /** Whether every value of the source column fits the sink column as the pipeline writes it. */
    static boolean holds(SqlColumn sink, SqlColumn source) {
        Family k = sink.family();
        Family s = source.family();
        if (k == s) {
            return switch (k) {
                case DECIMAL -> sink.precision() == 0
                        || source.precision() != 0 && sink.integerDigits() >= source.integerDigits()
                                && sink.scale() >= source.scale();
                case VARCHAR -> sink.length() >= source.length();
                case OTHER -> sink.type().equalsIgnoreCase(source.type());
                default -> true;
            };
        }
        if (k.integer() && s.integer() || k.floating() && s.floating()) {
            return k.rank >= s.rank;
        }
        return switch (k) {
            case TEXT -> s == Family.VARCHAR || s == Family.JSON || s == Family.UUID || s == Family.OTHER;
            case DECIMAL -> s.integer() && sink.integerDigits() >= digits(s);
            case DOUBLE -> s == Family.SMALLINT || s == Family.INTEGER;
            case TIMESTAMP -> s == Family.TIMESTAMPTZ;
            case TIMESTAMPTZ -> s == Family.TIMESTAMP;
            case SMALLINT, INTEGER, BIGINT -> s == Family.BOOLEAN;
            default -> false;
        };
    }

    /** The sink column's type widened to hold the source's, or null if no widening does. */
    static String widened(SqlColumn sink, SqlColumn source, SqlFlavor flavor) {
        Family k = sink.family();
        Family s = source.family();
        if (k.integer() && s.integer() || k.floating() && s.floating()) {
            return typeFor(s, 0, 0, 0, flavor);
        }
        if (k == Family.DECIMAL && (s == Family.DECIMAL || s.integer())) {
            if (source.precision() == 0 && s == Family.DECIMAL) {
                return flavor == SqlFlavor.POSTGRES ? "numeric" : null;
            }
            int scale = Math.max(sink.scale(), s == Family.DECIMAL ? source.scale() : 0);
            int digits = Math.max(sink.integerDigits(), s == Family.DECIMAL ? source.integerDigits() : digits(s));
            if (sink.precision() == 0) {
                return null; // already unconstrained: holds() said yes before
            }
            int precision = digits + scale;
            return flavor == SqlFlavor.MYSQL && (precision > 65 || scale > 30) ? null
                    : typeFor(Family.DECIMAL, 0, precision, scale, flavor);
        }
        if (k.character() && s.character()) {
            return typeFor(s, source.length(), 0, 0, flavor);
        }
        return null;
    }

    /** The type a sink column gets for a source column: the same, on the same database; else the value mapping's. */
    static String typeFor(SqlColumn source, SqlFlavor sink, SqlFlavor from) {
        if (sink == from) {
            return source.type();
        }
        return typeFor(source.family(), source.length(), source.precision(), source.scale(), sink);
    }

    private static String typeFor(Family family, int length, int precision, int scale, SqlFlavor flavor) {
        boolean pg = flavor == SqlFlavor.POSTGRES;
        return switch (family) {
            case SMALLINT -> pg ? "smallint" : "SMALLINT";
            case INTEGER -> pg ? "integer" : "INT";
            case BIGINT -> pg ? "bigint" : "BIGINT";
            case DECIMAL -> precision == 0 ? (pg ? "numeric" : "DECIMAL(65,30)")
                    : (pg ? "numeric(" : "DECIMAL(") + precision + "," + scale + ")";
            case REAL -> pg ? "real" : "FLOAT";
            case DOUBLE -> pg ? "double precision" : "DOUBLE";
            case VARCHAR -> (pg ? "varchar(" : "VARCHAR(") + length + ")";
            case BOOLEAN -> pg ? "boolean" : "BOOLEAN";
            case DATE -> pg ? "date" : "DATE";
            case TIME -> pg ? "time" : "TIME(6)";
            case TIMESTAMP -> pg ? "timestamp" : "DATETIME(6)";
            case TIMESTAMPTZ -> pg ? "timestamptz" : "DATETIME(6)";
            case JSON -> pg ? "jsonb" : "JSON";
            case BYTES -> pg ? "bytea" : "LONGBLOB";
            case UUID -> pg ? "uuid" : "CHAR(36)";
            case TEXT, OTHER -> pg ? "text" : "LONGTEXT";
        };
    }

    private static int digits(Family integer) {
        return switch (integer) {
            case SMALLINT -> 5;
            case INTEGER -> 10;
            default -> 19;
        };
    }

    private static String quote(SqlFlavor flavor, TableId table) {
        return flavor.quoteIdentifier(table.schema()) + "." + flavor.quoteIdentifier(table.table());
    }
}
