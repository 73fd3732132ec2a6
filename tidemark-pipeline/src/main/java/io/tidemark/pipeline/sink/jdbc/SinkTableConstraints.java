package io.tidemark.pipeline.sink.jdbc;

import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Finds the constraints of a sink table that span rows, read from the driver's metadata: unique
 * indexes besides the primary key, foreign keys to other tables, and foreign keys of other tables
 * referring to it. Changes to different rows applied out of source order can violate them, which
 * a sink in the default apply order must refuse at start rather than find out row by row.
 */
final class SinkTableConstraints {

    private SinkTableConstraints() {}

    /** One line per constraint, e.g. {@code unique index customers_email_key (email) besides its primary key}. */
    static List<String> acrossRows(Connection connection, SinkDialect dialect, TableId table) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String catalog = dialect.catalog(table);
        String schema = dialect.schemaPattern(table);
        String primaryKeyName = null;
        try (ResultSet rs = meta.getPrimaryKeys(catalog, schema, table.table())) {
            if (rs.next()) {
                primaryKeyName = rs.getString("PK_NAME");
            }
        }
        Map<String, SortedMap<Short, String>> unique = new TreeMap<>();
        try (ResultSet rs = meta.getIndexInfo(catalog, schema, table.table(), true, true)) {
            while (rs.next()) {
                String name = rs.getString("INDEX_NAME");
                if (rs.getShort("TYPE") == DatabaseMetaData.tableIndexStatistic || name == null
                        || rs.getBoolean("NON_UNIQUE") || name.equals(primaryKeyName) || "PRIMARY".equals(name)) {
                    continue;
                }
                unique.computeIfAbsent(name, n -> new TreeMap<>())
                        .put(rs.getShort("ORDINAL_POSITION"), rs.getString("COLUMN_NAME"));
            }
        }
        List<String> constraints = new ArrayList<>();
        unique.forEach((name, columns) -> constraints.add(
                "unique index " + name + " (" + String.join(", ", columns.values()) + ") besides its primary key"));
        Map<String, List<String>> foreignKeyColumns = new TreeMap<>();
        Map<String, String> foreignKeyParents = new TreeMap<>();
        try (ResultSet rs = meta.getImportedKeys(catalog, schema, table.table())) {
            while (rs.next()) {
                String name = rs.getString("FK_NAME");
                foreignKeyColumns.computeIfAbsent(name, n -> new ArrayList<>()).add(rs.getString("FKCOLUMN_NAME"));
                foreignKeyParents.put(name,
                        qualified(rs.getString("PKTABLE_CAT"), rs.getString("PKTABLE_SCHEM"), rs.getString("PKTABLE_NAME")));
            }
        }
        foreignKeyColumns.forEach((name, columns) -> constraints.add("foreign key " + name + " ("
                + String.join(", ", columns) + ") to " + foreignKeyParents.get(name)));
        Set<String> referring = new TreeSet<>();
        try (ResultSet rs = meta.getExportedKeys(catalog, schema, table.table())) {
            while (rs.next()) {
                String child = qualified(rs.getString("FKTABLE_CAT"), rs.getString("FKTABLE_SCHEM"),
                        rs.getString("FKTABLE_NAME"));
                if (!child.equals(table.toString())) {
                    referring.add("foreign key " + rs.getString("FK_NAME") + " of " + child + " referring to it");
                }
            }
        }
        constraints.addAll(referring);
        return constraints;
    }

    /** {@code schema.table} from a metadata row, whichever of catalog and schema the database fills. */
    private static String qualified(String catalog, String schema, String table) {
        return (schema != null ? schema : catalog) + "." + table;
    }
}
