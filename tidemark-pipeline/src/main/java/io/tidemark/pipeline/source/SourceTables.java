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
}
