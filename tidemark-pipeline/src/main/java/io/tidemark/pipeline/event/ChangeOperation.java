package io.tidemark.pipeline.event;

/**
 * What a change event does. A closed set: a sink applies {@link #SNAPSHOT}, {@link #INSERT} and
 * {@link #UPDATE} to their row as a guarded upsert, {@link #DELETE} as a guarded delete, and
 * {@link #TRUNCATE} to the whole table (every row written before the truncate's position goes).
 * {@link #COMMIT} is no change at all but the end of a source transaction, for sinks that commit
 * whole source transactions only; {@link #SWEEP} removes what an earlier read of a snapshot chunk
 * left behind. New operations are appended: the ordinal is part of the event encoding.
 */
public enum ChangeOperation {
    /** A row read by the initial snapshot; its position is the snapshot chunk's high watermark. */
    SNAPSHOT,
    INSERT,
    UPDATE,
    DELETE,
    /** The whole table emptied at the event's position; the event has no row. */
    TRUNCATE,
    /**
     * The end of a source transaction: every change the transaction made came before it. Sent only
     * when a sink applies in source order (see {@code ApplyOrder.SOURCE}); it has no row.
     */
    COMMIT,
    /**
     * The end of a snapshot chunk: every row of the table whose chunk key lies in the chunk's range
     * and that a sink wrote before the event's position (the chunk's high watermark) is gone at the
     * source. A chunk read again after a restore brings no delete for a row deleted since its first
     * read; this does. It has no row: its one column names the chunk key, its before image holds the
     * range's bounds and which copy it is (see {@link ChangeEvent#sweep}): like a truncate, it
     * reaches every sink subtask.
     */
    SWEEP;

    /** Whether the row exists after this change. */
    public boolean isUpsert() {
        return this == SNAPSHOT || this == INSERT || this == UPDATE;
    }

    /** Whether this change removes one row. */
    public boolean isDelete() {
        return this == DELETE;
    }
}
