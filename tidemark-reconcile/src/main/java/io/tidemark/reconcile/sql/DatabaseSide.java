package io.tidemark.reconcile.sql;

import io.tidemark.pipeline.event.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One database of a comparison, the source or a JDBC sink, with the name the pipeline file gives
 * it ({@code source}, {@code sinks.warehouse}) so that every problem says which side it is about.
 * It owns its connection.
 */
public final class DatabaseSide implements AutoCloseable {

    private final String label;
    private final SqlFlavor flavor;
    private final Connection connection;

    public DatabaseSide(String label, SqlFlavor flavor, Connection connection) {
        this.label = label;
        this.flavor = flavor;
        this.connection = connection;
    }

    public String label() {
        return label;
    }

    public SqlFlavor flavor() {
        return flavor;
    }

    Connection connection() {
        return connection;
    }

    /** The connection, for session settings made once before any query. */
    public Connection connectionForSetup() {
        return connection;
    }

    /** The table's columns in their order, or an empty list if the table does not exist (or is not visible). */
    public List<ColumnType> columns(TableId table) throws SQLException {
        String sql = "SELECT column_name, " + flavor.typeColumn() + ", numeric_scale, " + flavor.widthColumn()
                + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position";
        List<ColumnType> columns = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new ColumnType(rs.getString(1), rs.getString(2), integer(rs, 3),
                            integer(rs, 4)));
                }
            }
        }
        return columns;
    }

    /** The table's primary key columns in key order; empty if it has none. */
    public List<String> primaryKey(TableId table) throws SQLException {
        String sql = "SELECT k.column_name FROM information_schema.table_constraints c"
                + " JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema"
                + " AND k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema"
                + " AND k.table_name = c.table_name"
                + " WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = ? AND c.table_name = ?"
                + " ORDER BY k.ordinal_position";
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : (int) value;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    @Override
    public String toString() {
        return label;
    }
}
