package io.tidemark.reconcile;

import io.tidemark.reconcile.sql.ColumnKind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/**
 * Decides whether two rows, as canonical texts in column order, hold the same values. Texts are
 * compared exactly, except where one value has several texts across databases: floats (compared as
 * the source's float or double: PostgreSQL writes {@code 1e+20}, MariaDB {@code 1e20}) and JSON
 * documents and arrays (compared as JSON: MariaDB keeps a document's spacing, PostgreSQL's jsonb
 * does not).
 */
final class RowComparison {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final List<String> columns;
    private final List<ColumnKind> kinds;

    RowComparison(List<String> columns, List<ColumnKind> kinds) {
        this.columns = columns;
        this.kinds = kinds;
    }

    /** The difference of the rows of one key, or null if they are equal; a null row is an absent one. */
    KeyDifference difference(String key, List<String> source, List<String> sink) {
        if (source == null && sink == null) {
            return null;
        }
        if (sink == null) {
            return new KeyDifference(DifferenceKind.MISSING, key, null, null, null);
        }
        if (source == null) {
            return new KeyDifference(DifferenceKind.EXTRA, key, null, null, null);
        }
        for (int i = 0; i < columns.size(); i++) {
            if (!same(kinds.get(i), source.get(i), sink.get(i))) {
                return new KeyDifference(DifferenceKind.DIFFERENT, key, columns.get(i), source.get(i), sink.get(i));
            }
        }
        return null;
    }

    static boolean same(ColumnKind kind, String a, String b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.equals(b)) {
            return true;
        }
        try {
            return switch (kind) {
                // NaN equals NaN (Float.compare), -0 equals 0 (==): as SQL compares them, and MariaDB keeps no -0 in a FLOAT
                case FLOAT4 -> sameFloat(Float.parseFloat(a), Float.parseFloat(b));
                case FLOAT4_SHOWN -> shown(a).compareTo(shown(b)) == 0;
                case FLOAT8 -> sameDouble(Double.parseDouble(a), Double.parseDouble(b));
                case JSON, ARRAY -> json(a).equals(json(b));
                default -> false;
            };
        } catch (NumberFormatException | JsonProcessingException e) {
            return false;
        }
    }

    private static boolean sameFloat(float a, float b) {
        return a == b || Float.compare(a, b) == 0;
    }

    private static boolean sameDouble(double a, double b) {
        return a == b || Double.compare(a, b) == 0;
    }

    /** A float at the 6 significant digits MySQL shows of a FLOAT. */
    private static BigDecimal shown(String text) {
        return new BigDecimal(Float.toString(Float.parseFloat(text))).round(new MathContext(6));
    }

    private static JsonNode json(String text) throws JsonProcessingException {
        return normalized(JSON.readTree(text));
    }

    /** Numbers compared by value ({@code 1.0} and {@code 1}), as a JSON reader would. */
    private static JsonNode normalized(JsonNode node) {
        if (node.isNumber()) {
            return JSON.getNodeFactory().numberNode(node.decimalValue().stripTrailingZeros());
        }
        if (node.isArray()) {
            var array = JSON.createArrayNode();
            node.forEach(element -> array.add(normalized(element)));
            return array;
        }
        if (node.isObject()) {
            var object = JSON.createObjectNode();
            node.fields().forEachRemaining(field -> object.set(field.getKey(), normalized(field.getValue())));
            return object;
        }
        return node;
    }

    /** A key as {@code column=value} pairs. */
    static String describeKey(List<String> keyColumns, List<String> key) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < keyColumns.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(keyColumns.get(i)).append('=').append(key.get(i));
        }
        return text.toString();
    }
}
