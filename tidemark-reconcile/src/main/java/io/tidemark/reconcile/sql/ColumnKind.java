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
        return this == FLOAT4 || this == FLOAT8 || this == JSON || this == ARRAY;
    }
}
