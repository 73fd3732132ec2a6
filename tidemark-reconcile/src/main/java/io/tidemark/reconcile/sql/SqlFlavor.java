package io.tidemark.reconcile.sql;

import java.util.List;

/**
 * The SQL that differs between PostgreSQL and MySQL/MariaDB: quoting, the canonical text of each
 * kind of value, a row's digest and the sums of digests over key ranges.
 *
 * <p>Both sides of a comparison write a value as the same canonical text when the pipeline carried
 * it faithfully: times to the microsecond ({@code 2024-02-29 10:00:00.000000}, instants at UTC),
 * bytes as lowercase hex, booleans as {@code true}/{@code false}, decimals at the sink column's
 * scale when it has one (the pipeline's documented mapping: {@code 9.50} lands in a {@code
 * DECIMAL(12,4)} as {@code 9.5000}) and exactly as stored otherwise (so a sink holding {@code 9.5}
 * for the source's {@code 9.50} differs). A row's digest is the MD5 of its columns' canonical texts,
 * each prefixed with its length ({@code -} for NULL, so NULL and the empty string differ); a range's
 * checksum is the count of its rows and the sum of the first 60 bits of their digests.
 */
public enum SqlFlavor {
    POSTGRES {
        @Override
        public String quoteIdentifier(String identifier) {
            return '"' + identifier.replace("\"", "\"\"") + '"';
        }

        @Override
        String canonical(String x, ColumnKind kind, ColumnType side, Integer targetScale) {
            String type = side.type();
            return switch (kind) {
                case INTEGER -> type.equals("bool")
                        ? "CASE WHEN " + x + " THEN '1' WHEN NOT " + x + " THEN '0' END"
                        : x + "::text";
                case DECIMAL -> {
                    String number = type.equals("money") ? x + "::numeric" : x;
                    yield targetScale == null ? number + "::text" : "round(" + number + ", " + targetScale + ")::text";
                }
                // every CASE leaves NULL as NULL: an ELSE branch would make NULL and false the same text
                case BOOLEAN -> switch (type) {
                    case "bool" -> "CASE WHEN " + x + " THEN 'true' WHEN NOT " + x + " THEN 'false' END";
                    case "int2", "int4", "int8" ->
                            "CASE WHEN " + x + " <> 0 THEN 'true' WHEN " + x + " = 0 THEN 'false' END";
                    case "bit", "varbit" -> "CASE " + x + "::text WHEN '1' THEN 'true' WHEN '0' THEN 'false' END";
                    default -> x + "::text";
                };
                case DATE -> type.equals("date")
                        ? "CASE WHEN isfinite(" + x + ") THEN to_char(" + x + ", 'YYYY-MM-DD') ELSE " + x + "::text END"
                        : x + "::text";
                case TIME -> type.equals("time") ? "to_char(date '2000-01-01' + " + x + ", 'HH24:MI:SS.US')" : x + "::text";
                case TIMESTAMP, TIMESTAMP_UTC -> switch (type) {
                    case "timestamp" -> "CASE WHEN isfinite(" + x + ") THEN to_char(" + x
                            + ", 'YYYY-MM-DD HH24:MI:SS.US') ELSE " + x + "::text END";
                    case "timestamptz" -> "CASE WHEN isfinite(" + x + ") THEN to_char(" + x
                            + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') ELSE " + x + "::text END";
                    default -> x + "::text";
                };
                case BYTES -> type.equals("bytea") ? "encode(" + x + ", 'hex')" : x + "::text";
                case ARRAY -> type.startsWith("_") ? "array_to_json(" + x + ")::text" : x + "::text";
                // a real as the double it widens to (MariaDB's FLOAT prints 6 digits); MySQL writes doubles in this
                // notation too (PostgresDoubleText), texts that still differ are compared by value
                case FLOAT4 -> zeroAsZero(x, x + "::float8::text");
                // PostgreSQL converts a real to numeric at 6 significant digits, as MySQL shows a FLOAT
                case FLOAT4_SHOWN -> x + "::float4::numeric::text";
                case FLOAT8 -> zeroAsZero(x, x + "::text");
                case JSON, TEXT -> x + "::text";
            };
        }

        @Override
        String piece(String text) {
            return "coalesce(length(" + text + ")::text || ':' || " + text + ", '-')";
        }

        @Override
        String digest(List<String> pieces) {
            return "md5(" + String.join(" || ", pieces) + ")";
        }

        @Override
        String digestNumber(String digest) {
            return "('x' || substr(" + digest + ", 1, 15))::bit(60)::bigint";
        }

        @Override
        String segment(String key, String lo, String width) {
            return "((" + key + " - " + lo + ") / " + width + ")";
        }

        @Override
        String typeColumn() {
            return "udt_name";
        }

        @Override
        String widthColumn() {
            return "character_maximum_length";
        }
    },

    MYSQL {
        @Override
        public String quoteIdentifier(String identifier) {
            return '`' + identifier.replace("`", "``") + '`';
        }

        @Override
        String canonical(String x, ColumnKind kind, ColumnType side, Integer targetScale) {
            String type = side.type();
            String text = "CONVERT(" + x + " USING utf8mb4)";
            return switch (kind) {
                case INTEGER -> type.equals("bit") ? "CAST(" + x + " + 0 AS CHAR)" : "CAST(" + x + " AS CHAR)";
                case DECIMAL -> targetScale == null
                        ? "CAST(" + x + " AS CHAR)"
                        : "CAST(CAST(" + x + " AS DECIMAL(65, " + targetScale + ")) AS CHAR)";
                case FLOAT4 -> PostgresDoubleText.of("(" + x + " + 0e0)");
                case FLOAT8 -> PostgresDoubleText.of(x);
                case FLOAT4_SHOWN -> "CAST(" + x + " AS CHAR)";
                case BOOLEAN -> "CASE WHEN " + x + " <> 0 THEN 'true' WHEN " + x + " = 0 THEN 'false' END";
                case DATE -> type.equals("date") ? "DATE_FORMAT(" + x + ", '%Y-%m-%d')" : text;
                case TIME -> type.equals("time") ? "TIME_FORMAT(" + x + ", '%H:%i:%s.%f')" : text;
                case TIMESTAMP, TIMESTAMP_UTC -> type.equals("datetime") || type.equals("timestamp")
                        ? "DATE_FORMAT(" + x + ", '%Y-%m-%d %H:%i:%s.%f')"
                        : text;
                case BYTES -> "LOWER(HEX(" + x + "))";
                case TEXT -> type.equals("bit") && side.width() != null
                        ? "LPAD(BIN(" + x + "), " + side.width() + ", '0')"
                        : text;
                case JSON, ARRAY -> text;
            };
        }

        @Override
        String piece(String text) {
            return "COALESCE(CONCAT(CHAR_LENGTH(" + text + "), ':', " + text + "), '-')";
        }

        @Override
        String digest(List<String> pieces) {
            return "MD5(CONCAT(" + String.join(", ", pieces) + "))";
        }

        @Override
        String digestNumber(String digest) {
            return "CAST(CONV(SUBSTR(" + digest + ", 1, 15), 16, 10) AS UNSIGNED)";
        }

        @Override
        String segment(String key, String lo, String width) {
            return "((" + key + " - " + lo + ") DIV " + width + ")";
        }

        @Override
        String typeColumn() {
            return "data_type";
        }

        @Override
        String widthColumn() {
            return "numeric_precision";
        }
    };

    public abstract String quoteIdentifier(String identifier);

    /** A float's text with -0 written as 0, which MariaDB's FLOAT cannot hold and SQL's {@code =} does not tell apart. */
    static String zeroAsZero(String x, String text) {
        return "CASE WHEN " + x + " = 0 THEN '0' ELSE " + text + " END";
    }

    /**
     * The canonical text of column {@code x} (quoted) on this side, whose own type is {@code side},
     * holding a value of the source's {@code kind}; {@code targetScale} is the sink column's decimal
     * scale, if it has one.
     */
    abstract String canonical(String x, ColumnKind kind, ColumnType side, Integer targetScale);

    /** The database's own text of a column, canonical where both sides are this database with the same type. */
    String nativeText(String x) {
        return this == POSTGRES ? x + "::text" : "CAST(" + x + " AS CHAR)";
    }

    /** A canonical text prefixed with its length, or {@code -} for NULL. */
    abstract String piece(String text);

    /** The MD5 hex of the concatenated pieces. */
    abstract String digest(List<String> pieces);

    /** The first 60 bits of a digest as a non-negative integer, summed over a range. */
    abstract String digestNumber(String digest);

    /** The segment number of an integer key: {@code (key - lo) / width}, rounded down. */
    abstract String segment(String key, String lo, String width);

    /** The {@code information_schema.columns} column with the type name this flavor's kinds are read from. */
    abstract String typeColumn();

    /** The {@code information_schema.columns} column with a bit string's width. */
    abstract String widthColumn();

    /** The flavor of a JDBC URL's database. */
    public static SqlFlavor ofUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRES;
        }
        if (url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:")) {
            return MYSQL;
        }
        throw new IllegalArgumentException("reconcile supports PostgreSQL, MySQL and MariaDB JDBC URLs");
    }
}
