package io.tidemark.cli.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Compares tables of a source and a JDBC sink database the way a user would check them: row count,
 * and an md5 over the text of every row, ordered by primary key, over the source table's columns
 * only (the sink has Tidemark's {@code _tidemark_pos} column besides).
 */
public final class Reconciliation {

    /** The comparison of one table in the JDBC sink. */
    public record TableReport(String table, long sourceRows, long sinkRows, String sourceChecksum, String sinkChecksum)
            implements TableComparison {

        @Override
        public boolean equal() {
            return sourceRows == sinkRows && sourceChecksum.equals(sinkChecksum);
        }

        @Override
        public String sink() {
            return "jdbc";
        }

        @Override
        public String unit() {
            return "rows";
        }

        /** The first 16 hex digits of the checksums. */
        @Override
        public String detail() {
            if (equal()) {
                return "md5 " + sinkChecksum.substring(0, 16);
            }
            return String.format(Locale.ROOT, "source %,d rows, md5 %s; sink md5 %s",
                    sourceRows, sourceChecksum.substring(0, 16), sinkChecksum.substring(0, 16));
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("table", table);
            json.put("sink", sink());
            json.put("sourceRows", sourceRows);
            json.put("sinkRows", sinkRows);
            json.put("sourceChecksum", sourceChecksum);
            json.put("sinkChecksum", sinkChecksum);
            json.put("result", equal() ? "EQUAL" : "DIFFERENT");
            return json;
        }
    }

    private Reconciliation() {}

    /** Compares each of {@code tables} ({@code schema.table}, the same name on both sides). */
    static List<TableReport> compare(Connection source, Connection sink, List<String> tables) throws SQLException {
        List<TableReport> reports = new ArrayList<>();
        for (String table : tables) {
            String query = checksumQuery(source, table);
            Checksum sourceSide = checksum(source, query);
            Checksum sinkSide = checksum(sink, query);
            reports.add(new TableReport(table, sourceSide.rows(), sinkSide.rows(), sourceSide.md5(), sinkSide.md5()));
        }
        return reports;
    }

    /** Rows per table, in the order of {@code tables}. */
    static long[] counts(Connection c, List<String> tables) throws SQLException {
        long[] counts = new long[tables.size()];
        for (int i = 0; i < tables.size(); i++) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + quote(tables.get(i)));
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                counts[i] = rs.getLong(1);
            }
        }
        return counts;
    }

    /**
     * Up to {@code limit} rows of {@code table} that differ, each as {@code only in source: <row>},
     * {@code only in sink: <row>} or {@code differs: <source row> / <sink row>}.
     */
    static List<String> differences(Connection source, Connection sink, String table, int limit) throws SQLException {
        Columns columns = columns(source, table);
        String keyText = columns.key().stream().map(k -> "r." + quoteIdentifier(k) + "::text")
                .collect(Collectors.joining(" || ',' || "));
        String query = "SELECT " + keyText + ", r::text FROM (SELECT " + columns.selectList() + " FROM " + quote(table) + ") r";
        Map<String, String> sourceRows = rowsByKey(source, query);
        Map<String, String> sinkRows = rowsByKey(sink, query);
        List<String> differences = new ArrayList<>();
        java.util.SortedSet<String> keys = new java.util.TreeSet<>(sourceRows.keySet());
        keys.addAll(sinkRows.keySet());
        for (String key : keys) {
            String a = sourceRows.get(key);
            String b = sinkRows.get(key);
            if (a == null) {
                differences.add("only in sink: " + b);
            } else if (b == null) {
                differences.add("only in source: " + a);
            } else if (!a.equals(b)) {
                differences.add("differs: " + a + " / " + b);
            }
            if (differences.size() >= limit) {
                break;
            }
        }
        return differences;
    }

    private static Map<String, String> rowsByKey(Connection c, String query) throws SQLException {
        Map<String, String> rows = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(query); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
        }
        return rows;
    }

    /** A table's columns, and its primary key columns in key order. */
    record Columns(List<String> all, List<String> key) {
        String selectList() {
            return all.stream().map(Reconciliation::quoteIdentifier).collect(Collectors.joining(", "));
        }
    }

    private static String checksumQuery(Connection source, String table) throws SQLException {
        Columns columns = columns(source, table);
        String order = columns.key().stream().map(k -> "r." + quoteIdentifier(k)).collect(Collectors.joining(", "));
        return "SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY " + order + "), ''))"
                + " FROM (SELECT " + columns.selectList() + " FROM " + quote(table) + ") r";
    }

    static Columns columns(Connection source, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped"
                        + " ORDER BY attnum")) {
            ps.setString(1, quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                        + " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary"
                        + " ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
            ps.setString(1, quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        if (columns.isEmpty() || key.isEmpty()) {
            throw new IllegalStateException("table " + table + " is missing or has no primary key in the source");
        }
        return new Columns(columns, key);
    }

    private record Checksum(long rows, String md5) {}

    private static Checksum checksum(Connection c, String query) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Checksum(rs.getLong(1), rs.getString(2));
        }
    }

    /** A table as {@code pipeline.yaml} writes it ({@code schema.table}, parts maybe quoted), quoted for SQL. */
    static String quote(String table) {
        io.tidemark.pipeline.event.TableId id = io.tidemark.pipeline.event.TableId.parse(table);
        return quoteIdentifier(id.schema()) + "." + quoteIdentifier(id.table());
    }

    static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
