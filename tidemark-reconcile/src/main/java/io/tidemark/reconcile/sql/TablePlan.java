package io.tidemark.reconcile.sql;

import io.tidemark.pipeline.event.TableId;
import io.tidemark.reconcile.ReconcileException;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What is compared of one source table: its columns (the sink's extra columns, such as the position
 * column, are not), their kinds, its primary key, and for each side the SQL that writes them as
 * canonical text. Built from both databases' own descriptions of the table, so that a sink column
 * with another type or scale is written the way the pipeline's value mapping puts values into it.
 */
public final class TablePlan {

    private final TableId sourceTable;
    private final List<String> columns;
    private final List<ColumnKind> kinds;
    private final List<String> keyColumns;
    private final int[] keyIndexes;
    private final SideQueries source;
    private final SideQueries sink;

    private TablePlan(TableId sourceTable, List<String> columns, List<ColumnKind> kinds, List<String> keyColumns,
            SideQueries source, SideQueries sink) {
        this.sourceTable = sourceTable;
        this.columns = List.copyOf(columns);
        this.kinds = List.copyOf(kinds);
        this.keyColumns = List.copyOf(keyColumns);
        this.keyIndexes = keyColumns.stream().mapToInt(columns::indexOf).toArray();
        this.source = source;
        this.sink = sink;
    }

    /** The plan for a source table against its table in a JDBC sink. */
    public static TablePlan of(DatabaseSide sourceSide, TableId sourceTable, DatabaseSide sinkSide, TableId sinkTable)
            throws SQLException {
        Described described = describe(sourceSide, sourceTable);
        List<ColumnType> sinkColumns = sinkSide.columns(sinkTable);
        if (sinkColumns.isEmpty()) {
            throw new ReconcileException(sinkSide.label() + ": table " + sinkTable
                    + " does not exist (or is not visible to the sink's user); the pipeline creates no tables");
        }
        Map<String, ColumnType> sinkByName = new HashMap<>();
        sinkColumns.forEach(c -> sinkByName.put(c.name(), c));
        Described source = described.withJsonWhere(sinkByName);
        List<ColumnType> sinkMatched = new ArrayList<>();
        List<Integer> targetScales = new ArrayList<>();
        List<Boolean> nativeText = new ArrayList<>();
        for (int i = 0; i < source.columns.size(); i++) {
            ColumnType column = source.columns.get(i);
            ColumnType sinkColumn = sinkByName.get(column.name());
            if (sinkColumn == null) {
                throw new ReconcileException(sinkSide.label() + ": table " + sinkTable + " has no column "
                        + column.name() + " (the source's " + sourceTable + " has); add it to the sink table");
            }
            sinkMatched.add(sinkColumn);
            boolean decimal = source.kinds.get(i) == ColumnKind.DECIMAL;
            targetScales.add(decimal && hasFixedScale(sinkSide.flavor(), sinkColumn) ? sinkColumn.scale() : null);
            nativeText.add(sameType(sourceSide.flavor(), column, sinkSide.flavor(), sinkColumn, source.kinds.get(i)));
        }
        boolean postgres = sourceSide.flavor() == SqlFlavor.POSTGRES && sinkSide.flavor() == SqlFlavor.POSTGRES;
        SideQueries sourceQueries = new SideQueries(sourceSide.flavor(), sourceTable, source.columns, source.kinds,
                source.columns, targetScales, nativeText, source.key, postgres);
        SideQueries sinkQueries = new SideQueries(sinkSide.flavor(), sinkTable, source.columns, source.kinds,
                sinkMatched, targetScales, nativeText, source.key, postgres);
        return new TablePlan(sourceTable, names(source.columns), source.kinds, source.key, sourceQueries, sinkQueries);
    }

    /** The plan for a source table alone, whose rows are compared with a sink that is not SQL (Redis). */
    public static TablePlan sourceOnly(DatabaseSide sourceSide, TableId sourceTable) throws SQLException {
        Described source = describe(sourceSide, sourceTable);
        List<Integer> noScales = new ArrayList<>();
        List<Boolean> portable = new ArrayList<>();
        source.columns.forEach(c -> {
            noScales.add(null);
            portable.add(false);
        });
        SideQueries queries = new SideQueries(sourceSide.flavor(), sourceTable, source.columns, source.kinds,
                source.columns, noScales, portable, source.key, false);
        return new TablePlan(sourceTable, names(source.columns), source.kinds, source.key, queries, null);
    }

    private record Described(List<ColumnType> columns, List<ColumnKind> kinds, List<String> key) {

        /**
         * Text the sink stores as JSON is compared as JSON: MariaDB's JSON type is a text column, and
         * PostgreSQL's jsonb rewrites a document's spacing.
         */
        Described withJsonWhere(Map<String, ColumnType> sinkColumns) {
            List<ColumnKind> adjusted = new ArrayList<>(kinds);
            for (int i = 0; i < columns.size(); i++) {
                ColumnType sink = sinkColumns.get(columns.get(i).name());
                if (adjusted.get(i) == ColumnKind.TEXT && sink != null
                        && (sink.type().equals("json") || sink.type().equals("jsonb"))) {
                    adjusted.set(i, ColumnKind.JSON);
                }
            }
            return new Described(columns, adjusted, key);
        }
    }

    private static Described describe(DatabaseSide side, TableId table) throws SQLException {
        List<ColumnType> columns = side.columns(table);
        if (columns.isEmpty()) {
            throw new ReconcileException(side.label() + ": table " + table
                    + " does not exist (or is not visible to the source's user)");
        }
        List<String> key = side.primaryKey(table);
        if (key.isEmpty()) {
            throw new ReconcileException(side.label() + ": table " + table
                    + " has no primary key; reconcile compares rows by primary key");
        }
        List<ColumnKind> kinds = columns.stream().map(c -> c.kind(side.flavor())).toList();
        return new Described(columns, kinds, key);
    }

    /**
     * Whether a column has the same PostgreSQL type (and scale) on both sides, so that PostgreSQL's
     * own text of it is already canonical (both sessions use the same settings, see {@code
     * Reconciler}) and the costlier portable form ({@code to_char}, rounding) is not needed. Arrays
     * keep theirs: the pipeline does not keep an array's lower bounds, which PostgreSQL's text shows.
     */
    private static boolean sameType(SqlFlavor sourceFlavor, ColumnType source, SqlFlavor sinkFlavor, ColumnType sink,
            ColumnKind kind) {
        return sourceFlavor == SqlFlavor.POSTGRES && sinkFlavor == SqlFlavor.POSTGRES
                && source.type().equals(sink.type()) && java.util.Objects.equals(source.scale(), sink.scale())
                && kind != ColumnKind.ARRAY;
    }

    /** PostgreSQL's unconstrained {@code numeric} keeps each value's own scale; money and MySQL decimals have one. */
    private static boolean hasFixedScale(SqlFlavor flavor, ColumnType column) {
        if (column.scale() == null) {
            return false;
        }
        return flavor == SqlFlavor.MYSQL || column.type().equals("numeric");
    }

    private static List<String> names(List<ColumnType> columns) {
        return columns.stream().map(ColumnType::name).toList();
    }

    public TableId sourceTable() {
        return sourceTable;
    }

    public List<String> columns() {
        return columns;
    }

    public List<ColumnKind> kinds() {
        return kinds;
    }

    public List<String> keyColumns() {
        return keyColumns;
    }

    public int[] keyIndexes() {
        return keyIndexes.clone();
    }

    /** Whether key ranges can be bisected: the key's first column is an integer. */
    public boolean rangeBisectable() {
        return kinds.get(keyIndexes[0]) == ColumnKind.INTEGER;
    }

    public SideQueries source() {
        return source;
    }

    /** The sink's queries; null for a plan made by {@link #sourceOnly}. */
    public SideQueries sink() {
        return sink;
    }
}
