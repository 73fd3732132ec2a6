package io.tidemark.reconcile;

/**
 * One key that stayed different: its primary key as {@code column=value} pairs (for Redis, the data
 * key), and for {@link DifferenceKind#DIFFERENT} the first differing column with both values as
 * canonical text (null where a value is NULL or a field absent).
 */
public record KeyDifference(DifferenceKind kind, String key, String column, String sourceValue, String sinkValue) {

    /** One line: {@code different id=42: price 9.50 / 9.5}. */
    public String describe() {
        return switch (kind) {
            case MISSING -> "missing   " + key;
            case EXTRA -> "extra     " + key;
            case DIFFERENT -> "different " + key + ": " + column + " " + shown(sourceValue) + " / " + shown(sinkValue);
        };
    }

    private static String shown(String value) {
        return value == null ? "NULL" : "'" + value + "'";
    }
}
