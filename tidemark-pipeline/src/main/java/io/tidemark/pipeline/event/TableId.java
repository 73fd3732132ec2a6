package io.tidemark.pipeline.event;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A schema-qualified table name as written in {@code pipeline.yaml}: the identity of a table in
 * routes, change events and sink statements. Its two parts are the names exactly as the database
 * stores them; {@link #parse} and {@link #toString} convert from and to the written form.
 *
 * <p>The written form is {@code schema.table}. A part made only of ASCII letters, digits, {@code _}
 * and {@code $} (not starting with a digit or {@code $}) may be written bare and is taken as written,
 * letter case included (unlike SQL, PostgreSQL does not fold it to lower case here: {@code
 * public.Orders} is the table {@code "Orders"}). Any other part is written in SQL-style double
 * quotes, with {@code ""} for a quote inside: {@code "Sales"."Order Items"}. A bare part in quotes
 * means the same ({@code "public"."orders"} is {@code public.orders}).
 */
public record TableId(String schema, String table) implements Serializable {

    private static final Pattern BARE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    public TableId {
        Objects.requireNonNull(schema, "schema cannot be null");
        Objects.requireNonNull(table, "table cannot be null");
    }

    /**
     * Parses the written form {@code schema.table}; a name of one part lands in {@code public}.
     *
     * @throws IllegalArgumentException if it is malformed; the message says what would fix it
     */
    public static TableId parse(String written) {
        List<String> parts = parts(written);
        if (parts.size() > 2) {
            throw tooManyParts(parts.size());
        }
        return parts.size() == 1 ? new TableId("public", parts.get(0)) : new TableId(parts.get(0), parts.get(1));
    }

    /** Parses the written form and requires both parts, {@code schema.table}. */
    public static TableId parseQualified(String written) {
        List<String> parts = parts(written);
        if (parts.size() == 1) {
            String table = format(parts.get(0));
            // the value is shown already (cut short where it is long); repeat only a name a reader can take in
            throw new IllegalArgumentException("has no schema; write schema.table, as in public."
                    + (table.length() <= 64 ? table : "<table>"));
        }
        if (parts.size() > 2) {
            throw tooManyParts(parts.size());
        }
        return new TableId(parts.get(0), parts.get(1));
    }

    /** One part in the written form: bare when it may be, otherwise double-quoted. */
    public static String format(String part) {
        return BARE.matcher(part).matches() ? part : "\"" + part.replace("\"", "\"\"") + "\"";
    }

    /** The written form, {@code schema.table}, quoting only the parts that need it; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return format(schema) + "." + format(table);
    }

    private static List<String> parts(String written) {
        Objects.requireNonNull(written, "written cannot be null");
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = written.length();
        while (true) {
            StringBuilder part = new StringBuilder();
            if (i < n && written.charAt(i) == '"') {
                int open = i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("has a double quote at position " + (open + 1)
                                + " that is never closed; close it, and write a quote inside a name as \"\"");
                    }
                    char c = written.charAt(i++);
                    if (c != '"') {
                        part.append(c);
                    } else if (i < n && written.charAt(i) == '"') {
                        part.append('"');
                        i++;
                    } else {
                        break;
                    }
                }
                if (part.length() == 0) {
                    throw new IllegalArgumentException("has an empty quoted name \"\"; write the schema's or"
                            + " table's name between the quotes");
                }
                if (i < n && written.charAt(i) != '.') {
                    throw new IllegalArgumentException("has " + describe(written.charAt(i)) + " right after the"
                            + " quoted name at position " + (i + 1) + "; names are joined by a dot, and a double"
                            + " quote inside a quoted name is written \"\"");
                }
            } else {
                int start = i;
                while (i < n && written.charAt(i) != '.') {
                    i++;
                }
                String bare = written.substring(start, i);
                if (bare.isEmpty()) {
                    throw new IllegalArgumentException(written.isEmpty() ? "is empty; write schema.table"
                            : "has an empty name at position " + (start + 1) + "; write schema.table, with no"
                                    + " leading, trailing or double dot");
                }
                if (!BARE.matcher(bare).matches()) {
                    throw new IllegalArgumentException("has the name " + bare
                            + " that needs double quotes: write it as " + format(bare)
                            + " (bare names are letters, digits, _ and $, not starting with a digit)");
                }
                part.append(bare);
            }
            parts.add(part.toString());
            if (i >= n) {
                return parts;
            }
            i++; // the dot
            if (i >= n) {
                throw new IllegalArgumentException("ends with a dot; write schema.table");
            }
        }
    }

    private static IllegalArgumentException tooManyParts(int parts) {
        return new IllegalArgumentException("has " + parts + " dot-separated names where schema.table has 2; put a"
                + " name that contains a dot in double quotes, as in \"Sales\".\"Q1.Orders\"");
    }

    private static String describe(char c) {
        return c == '"' ? "a double quote" : "'" + c + "'";
    }
}
