package io.tidemark.pipeline.source;

import io.tidemark.pipeline.event.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what a sink must know about the captured tables from the source's own catalog. */
public final class SourceTables {

    private SourceTables() {}

    /**
     * The primary key columns of each table, in key order (empty for a table without one), by a
     * catalog query that binds schema and table and returns the key's column names in order.
     */
    public static Map<TableId, List<String>> primaryKeys(Connection c, String keyColumnsSql, List<String> tables)
            throws SQLException {
        Map<TableId, List<String>> keys = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(keyColumnsSql)) {
            for (String name : tables) {
                TableId table = TableId.parse(name);
                ps.setString(1, table.schema());
                ps.setString(2, table.table());
                List<String> columns = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.add(rs.getString(1));
                    }
                }
                keys.put(table, columns);
            }
        }
        return keys;
    }

    /**
     * Flink CDC's {@code schemaList}/{@code databaseList} for the captured tables: each schema as a
     * regular expression that matches only its own name (Debezium matches these lists as regular
     * expressions, split at commas).
     */
    public static String[] schemaFilters(List<String> tables) {
        return tables.stream().map(t -> literalFilter(TableId.parse(t).schema())).distinct().toArray(String[]::new);
    }

    /**
     * Flink CDC's {@code tableList}: each table as a regular expression that matches only its
     * {@code schema.table} as Debezium names it (the two names joined by a dot, unquoted).
     */
    public static String[] tableFilters(List<String> tables) {
        return tables.stream()
                .map(TableId::parse)
                .map(t -> literalFilter(t.schema()) + "\\." + literalFilter(t.table()))
                .toArray(String[]::new);
    }

    /**
     * {@code name} as an entry of a Debezium include list that matches it literally: regular
     * expression characters escaped, and a comma as {@code \,}, which Debezium's list splitter
     * turns back into a comma (a literal one in the expression).
     */
    static String literalFilter(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (char c : name.toCharArray()) {
            if ("\\^$.|?*+()[]{},".indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
