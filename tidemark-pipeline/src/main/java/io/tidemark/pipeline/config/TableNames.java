package io.tidemark.pipeline.config;

import io.tidemark.pipeline.event.TableId;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The value types of table names ({@code source.tables}, a route's {@code source-table} and {@code
 * sink-table}): the written form of {@link TableId}, with SQL-style double quotes around a part that
 * is not a bare identifier. A name is kept in its normal written form (quotes only where needed), so
 * {@code "public"."orders"} and {@code public.orders} are the same table everywhere after loading.
 */
final class TableNames {

    static final String DESCRIPTION = "string: schema.table, a part in double quotes if it has other characters"
            + " than letters, digits, _ and $";

    private TableNames() {}

    /** One {@code schema.table} name. */
    static ValueType<String> tableName() {
        return new ValueType<>() {
            @Override
            public String description() {
                return DESCRIPTION;
            }

            @Override
            public String read(JsonNode node, String path, Problems problems) {
                return TableNames.read(node, path, problems, false);
            }
        };
    }

    /** A non-empty list of distinct source tables; each bad element is reported on its own. */
    static ValueType<List<String>> sourceTableList() {
        return new ValueType<>() {
            @Override
            public String description() {
                return "list of " + DESCRIPTION.substring("string: ".length());
            }

            @Override
            public List<String> read(JsonNode node, String path, Problems problems) {
                return readList(node, path, problems);
            }
        };
    }

    private static List<String> readList(JsonNode node, String path, Problems problems) {
        if (!node.isArray()) {
            problems.add(path, "expected a list of schema.table names, got " + ValueTypes.describe(node));
            return null;
        }
        if (node.isEmpty()) {
            problems.add(path, "expected at least one schema.table name, got an empty list");
            return null;
        }
        List<String> tables = new ArrayList<>();
        Map<String, Integer> firstIndex = new HashMap<>();
        boolean valid = true;
        for (int i = 0; i < node.size(); i++) {
            String elementPath = Problems.index(path, i);
            JsonNode item = node.get(i);
            String table = null;
            if (item.isNull()) {
                problems.add(elementPath, "expected schema.table, got nothing");
            } else {
                table = read(item, elementPath, problems, true);
            }
            if (table == null) {
                valid = false;
            } else if (firstIndex.containsKey(table)) {
                problems.add(elementPath, "duplicate of " + Problems.index(path, firstIndex.get(table)) + " ("
                        + table + "); list each table once");
                valid = false;
            } else {
                firstIndex.put(table, i);
                tables.add(table);
            }
        }
        return valid ? List.copyOf(tables) : null;
    }

    private static String read(JsonNode node, String path, Problems problems, boolean captured) {
        if (!node.isValueNode() || node.asText().isBlank()) {
            problems.add(path, "expected schema.table, got " + ValueTypes.describe(node));
            return null;
        }
        String written = node.asText();
        TableId table;
        try {
            table = TableId.parseQualified(written);
        } catch (IllegalArgumentException e) {
            problems.add(path, ValueTypes.describe(node) + " " + e.getMessage());
            return null;
        }
        if (captured && !keptByFlinkCdc(table)) {
            problems.add(path, table + " cannot be captured: Flink CDC 3.5 keeps a table's name in its"
                    + " checkpoints unquoted and cannot read one with a space, a dot or a double quote back"
                    + " (the job would fail at its first checkpoint); rename the table or its schema");
            return null;
        }
        if (captured && !readLiterallyByFlinkCdc(table)) {
            problems.add(path, table + " cannot be captured: Flink CDC 3.5 matches the table's snapshot chunks"
                    + " against its name read as a regular expression, which " + table + " does not match"
                    + " (a character such as $ ( [ { * + ? | \\ ^ or a comma), so changes made while a chunk is"
                    + " read would be lost; rename the table or its schema");
            return null;
        }
        return table.toString();
    }

    /**
     * Whether Flink CDC 3.5 can carry the table's name through its split ids and checkpointed state:
     * it writes Debezium's unquoted {@code schema.table} and reads it back with Debezium's parser,
     * which fails on white space and splits at dots and quotes.
     */
    static boolean keptByFlinkCdc(TableId table) {
        return legibleToDebezium(table.schema()) && legibleToDebezium(table.table());
    }

    private static boolean legibleToDebezium(String part) {
        return part.chars().noneMatch(c -> Character.isWhitespace(c) || c == '.' || c == '"' || c == '`');
    }

    /**
     * Whether Flink CDC 3.5 finds the table when it filters a snapshot split's backfill: it sets
     * Debezium's {@code table.include.list} to the bare {@code schema.table}, which Debezium splits at
     * commas and matches as a case-insensitive regular expression.
     */
    static boolean readLiterallyByFlinkCdc(TableId table) {
        String bare = table.schema() + "." + table.table();
        if (bare.indexOf(',') >= 0) {
            return false;
        }
        try {
            return Pattern.compile(bare, Pattern.CASE_INSENSITIVE).matcher(bare).matches();
        } catch (PatternSyntaxException e) {
            return false;
        }
    }
}
