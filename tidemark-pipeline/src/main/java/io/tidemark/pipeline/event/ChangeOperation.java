package io.tidemark.pipeline.event;

/**
 * What a change event does. A closed set: a sink applies {@link #SNAPSHOT}, {@link #INSERT} and
 * {@link #UPDATE} to their row as a guarded upsert, {@link #DELETE} as a guarded delete, and
 * {@link #TRUNCATE} to the whole table (every row written before the truncate's position goes).
 * {@link #COMMIT} is no change at all but the end of a source transaction, for sinks that commit
 * whole source transactions only. New operations are appended: the ordinal is part of the event encoding.
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
    COMMIT;

    /** Whether the row exists after this change. */
    public boolean isUpsert() {
        return this == SNAPSHOT || this == INSERT || this == UPDATE;
    }

    /** Whether this change removes one row. */
    public boolean isDelete() {
        return this == DELETE;
    }
}
