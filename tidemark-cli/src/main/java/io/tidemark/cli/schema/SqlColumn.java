package io.tidemark.cli.schema;

import io.tidemark.reconcile.sql.SqlFlavor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One column as its database declares it: the type as the database writes it ({@code
 * numeric(12,2)}, {@code varchar(64)}), the family it belongs to with its size, and whether it
 * takes NULL. Families are what a schema change compares: whether a sink column can hold what the
 * source column now holds, and what it must be widened to if not.
 */
record SqlColumn(String name, String type, Family family, int length, int precision, int scale, boolean nullable) {

    /** Kinds of type whose sizes can be compared; {@code OTHER} columns must match exactly. */
    enum Family {
        SMALLINT(1), INTEGER(2), BIGINT(3), DECIMAL(0), REAL(1), DOUBLE(2), VARCHAR(1), TEXT(2), BOOLEAN(0),
        DATE(0), TIME(0), TIMESTAMP(0), TIMESTAMPTZ(0), JSON(0), BYTES(0), UUID(0), OTHER(0);

        final int rank;

        Family(int rank) {
            this.rank = rank;
        }

        boolean integer() {
            return this == SMALLINT || this == INTEGER || this == BIGINT;
        }

        boolean floating() {
            return this == REAL || this == DOUBLE;
        }

        boolean character() {
            return this == VARCHAR || this == TEXT;
        }
    }

    private static final Pattern SIZED = Pattern.compile("[a-z ]+\\((\\d+)(?:,\\s*(\\d+))?\\).*");

    /** The columns of {@code schema.table} in order; empty if there is no such table. */
    static List<SqlColumn> read(Connection c, SqlFlavor flavor, String schema, String table) throws SQLException {
        String sql = flavor == SqlFlavor.POSTGRES
                ? "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull FROM pg_attribute a"
                        + " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped"
                        + " ORDER BY a.attnum"
                : "SELECT column_name, column_type, is_nullable = 'YES' FROM information_schema.columns"
                        + " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position";
        List<SqlColumn> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(of(rs.getString(1), rs.getString(2), rs.getBoolean(3), flavor));
                }
            }
        }
        return columns;
    }

    static SqlColumn of(String name, String type, boolean nullable, SqlFlavor flavor) {
        String t = type.toLowerCase(Locale.ROOT).replace(" unsigned", "").strip();
        Matcher sized = SIZED.matcher(t);
        int first = 0;
        int second = 0;
        if (sized.matches()) {
            first = Integer.parseInt(sized.group(1));
            second = sized.group(2) == null ? 0 : Integer.parseInt(sized.group(2));
        }
        String base = t.replaceAll("\\(.*", "").strip();
        Family family;
        int length = 0;
        int precision = 0;
        int scale = 0;
        if (t.endsWith("[]")) {
            family = Family.OTHER;
        } else {
            switch (base) {
                case "smallint", "tinyint", "mediumint" -> family = t.equals("tinyint(1)") ? Family.BOOLEAN : Family.SMALLINT;
                case "integer", "int" -> family = Family.INTEGER;
                case "bigint" -> family = Family.BIGINT;
                case "numeric", "decimal" -> {
                    family = Family.DECIMAL;
                    precision = first; // 0: unconstrained (PostgreSQL)
                    scale = second;
                }
                case "real", "float" -> family = Family.REAL;
                case "double precision", "double" -> family = Family.DOUBLE;
                case "character varying", "varchar" -> {
                    family = first == 0 ? Family.TEXT : Family.VARCHAR;
                    length = first;
                }
                case "text", "longtext", "mediumtext" -> family = Family.TEXT;
                case "boolean", "bool" -> family = Family.BOOLEAN;
                case "date" -> family = Family.DATE;
                case "time without time zone", "time" -> family = Family.TIME;
                case "timestamp without time zone", "datetime" -> family = Family.TIMESTAMP;
                case "timestamp with time zone" -> family = Family.TIMESTAMPTZ;
                case "timestamp" -> family = flavor == SqlFlavor.MYSQL ? Family.TIMESTAMPTZ : Family.TIMESTAMP;
                case "json", "jsonb" -> family = Family.JSON;
                case "bytea", "blob", "longblob", "mediumblob", "varbinary" -> family = Family.BYTES;
                case "uuid" -> family = Family.UUID;
                default -> family = Family.OTHER;
            }
        }
        return new SqlColumn(name, type, family, length, precision, scale, nullable);
    }

    /** Digits before the decimal point a decimal holds; unconstrained counts as unlimited. */
    int integerDigits() {
        return precision == 0 ? Integer.MAX_VALUE : precision - scale;
    }
}
