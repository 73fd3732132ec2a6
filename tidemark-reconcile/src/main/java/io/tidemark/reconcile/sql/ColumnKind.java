package io.tidemark.reconcile.sql;

/**
 * What a source column holds, which decides how both sides write it as canonical text (so that a
 * PostgreSQL {@code timestamptz} and the MariaDB {@code DATETIME(6)} the sink wrote it to compare
 * equal) and how two texts that differ are still recognised as the same value.
 */
public enum ColumnKind {
    INTEGER,
    DECIMAL,
    FLOAT4,
    /**
     * A MySQL/MariaDB {@code FLOAT}, compared at the 6 significant digits MySQL shows: the
     * pipeline's snapshot copies those ({@code 1502.67}: Flink CDC reads chunks in the text
     * protocol), the binlog the single-precision value ({@code 1502.6666}); they differ below
     * FLOAT's precision.
     */
    FLOAT4_SHOWN,
    FLOAT8,
    BOOLEAN,
    DATE,
    TIME,
    /** A date-time without zone, compared as written. */
    TIMESTAMP,
    /** An instant ({@code timestamptz}, MySQL {@code TIMESTAMP}), compared at UTC. */
    TIMESTAMP_UTC,
    BYTES,
    JSON,
    ARRAY,
    TEXT;

    /** Whether two canonical texts of this kind may differ for the same value (float digits, JSON spacing). */
    public boolean comparedByValue() {
        return this == FLOAT4 || this == FLOAT4_SHOWN || this == FLOAT8 || this == JSON || this == ARRAY;
    }
}
