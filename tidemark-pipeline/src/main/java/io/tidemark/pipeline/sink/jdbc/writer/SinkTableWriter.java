package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The prepared statements for one sink table on one connection, for one source row layout. Binds
 * change-event values by the sink column's type, so arrays get their element type.
 */
final class SinkTableWriter implements AutoCloseable {

    private final Connection connection;
    private final SinkDialect dialect;
    private final TableId sinkTable;
    private final String[] columns;
    private final String[] sinkTypeNames;
    private final int[] sinkSqlTypes;
    private final PreparedStatement upsert;
    private final PreparedStatement delete;
    /** Prepared on first use: only replays read a row's position. */
    private PreparedStatement positionSelect;

    private SinkTableWriter(
            Connection connection,
            SinkDialect dialect,
            TableId sinkTable,
            String[] columns,
            String[] sinkTypeNames,
            int[] sinkSqlTypes,
            PreparedStatement upsert,
            PreparedStatement delete) {
        this.connection = connection;
        this.dialect = dialect;
        this.sinkTable = sinkTable;
        this.columns = columns;
        this.sinkTypeNames = sinkTypeNames;
        this.sinkSqlTypes = sinkSqlTypes;
        this.upsert = upsert;
        this.delete = delete;
    }

    static SinkTableWriter open(
            Connection connection, SinkDialect dialect, TableId sinkTable, ChangeEvent sample)
            throws SQLException {
        Map<String, String> typeNames = new HashMap<>();
        Map<String, Integer> sqlTypes = new HashMap<>();
        try (PreparedStatement ps =
                        connection.prepareStatement("SELECT * FROM " + dialect.quoteTable(sinkTable) + " WHERE 1 = 0");
                ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                typeNames.put(meta.getColumnName(i), meta.getColumnTypeName(i));
                sqlTypes.put(meta.getColumnName(i), meta.getColumnType(i));
            }
        }
        String[] columns = sample.columns();
        String[] sinkTypeNames = new String[columns.length];
        int[] sinkSqlTypes = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
            String type = typeNames.get(columns[i]);
            if (type == null) {
                throw new SQLException(
                        "sink table " + sinkTable + " has no column " + columns[i] + " (a column of source table "
                                + sample.table() + "); add the column to the sink table", "42703");
            }
            sinkTypeNames[i] = type;
            sinkSqlTypes[i] = sqlTypes.get(columns[i]);
        }
        List<String> cols = Arrays.asList(columns);
        List<String> keys = Arrays.asList(sample.keyColumns());
        PreparedStatement upsert = connection.prepareStatement(dialect.guardedUpsert(sinkTable, cols, keys));
        PreparedStatement delete = connection.prepareStatement(dialect.guardedDelete(sinkTable, keys));
        return new SinkTableWriter(connection, dialect, sinkTable, columns, sinkTypeNames, sinkSqlTypes, upsert, delete);
    }

    /** Whether events with this row layout can use these statements. */
    boolean fits(ChangeEvent event) {
        return Arrays.equals(columns, event.columns());
    }

    TableId sinkTable() {
        return sinkTable;
    }

    void addUpsert(ChangeEvent event) throws SQLException {
        Object[] row = event.after();
        for (int i = 0; i < row.length; i++) {
            bind(upsert, i + 1, i, row[i]);
        }
        upsert.setLong(row.length + 1, event.position().value());
        upsert.addBatch();
    }

    void addDelete(ChangeEvent event) throws SQLException {
        int[] keyIndexes = event.keyIndexes();
        Object[] row = event.before();
        for (int k = 0; k < keyIndexes.length; k++) {
            bind(delete, k + 1, keyIndexes[k], row[keyIndexes[k]]);
        }
        delete.setLong(keyIndexes.length + 1, event.position().value());
        delete.addBatch();
    }

    /** The position of the event's row in the sink table, or {@code Long.MIN_VALUE} if there is no such row. */
    long heldPosition(ChangeEvent event) throws SQLException {
        if (positionSelect == null) {
            positionSelect = connection.prepareStatement(
                    dialect.selectPosition(sinkTable, Arrays.asList(event.keyColumns())));
        }
        int[] keyIndexes = event.keyIndexes();
        Object[] row = event.keyRow();
        for (int k = 0; k < keyIndexes.length; k++) {
            bind(positionSelect, k + 1, keyIndexes[k], row[keyIndexes[k]]);
        }
        try (ResultSet rs = positionSelect.executeQuery()) {
            return rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
        }
    }

    void executeDeletes() throws SQLException {
        delete.executeBatch();
    }

    void executeUpserts() throws SQLException {
        upsert.executeBatch();
    }

    private void bind(PreparedStatement ps, int parameter, int column, Object raw) throws SQLException {
        Object value = dialect.toBindValue(raw, sinkSqlTypes[column]);
        if (value == null) {
            ps.setNull(parameter, sinkSqlTypes[column] == Types.ARRAY ? Types.ARRAY : Types.OTHER);
        } else if (value instanceof String s) {
            ps.setString(parameter, s);
        } else if (value instanceof byte[] bytes) {
            ps.setBytes(parameter, bytes);
        } else if (value instanceof List<?> list) {
            ps.setArray(parameter, toArray(column, list));
        } else if (value instanceof BigDecimal d) {
            ps.setBigDecimal(parameter, d);
        } else {
            ps.setObject(parameter, value);
        }
    }

    private Array toArray(int column, List<?> list) throws SQLException {
        String typeName = sinkTypeNames[column];
        String elementType = typeName.startsWith("_") ? typeName.substring(1) : "text";
        return connection.createArrayOf(elementType, elements(list));
    }

    /** A list's elements for the driver; a list inside (a multi-dimensional array) as a nested array. */
    private static Object[] elements(List<?> list) {
        Object[] elements = new Object[list.size()];
        for (int i = 0; i < elements.length; i++) {
            Object e = list.get(i);
            // bytea elements as PostgreSQL's hex text: the driver takes bytes only in a flat byte[][]
            elements[i] = e == null || e instanceof Number || e instanceof String || e instanceof Boolean
                    ? e
                    : e instanceof byte[] bytes ? "\\x" + HexFormat.of().formatHex(bytes)
                    : e instanceof List<?> inner ? elements(inner) : e.toString();
        }
        return elements;
    }

    static List<String> keyStrings(List<ChangeEvent> events) {
        List<String> keys = new ArrayList<>(events.size());
        for (ChangeEvent e : events) {
            keys.add(io.tidemark.pipeline.event.RowValues.keyString(e.keyValues()));
        }
        return keys;
    }

    @Override
    public void close() {
        closeQuietly(upsert);
        closeQuietly(delete);
        if (positionSelect != null) {
            closeQuietly(positionSelect);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing after a failure; the connection is discarded anyway
        }
    }
}
