package io.tidemark.pipeline.event;

/**
 * What a change event does to its row. A closed set: a sink applies {@link #SNAPSHOT}, {@link
 * #INSERT} and {@link #UPDATE} as a guarded upsert and {@link #DELETE} as a guarded delete.
 */
public enum ChangeOperation {
    /** A row read by the initial snapshot; its position is the snapshot chunk's high watermark. */
    SNAPSHOT,
    INSERT,
    UPDATE,
    DELETE;

    /** Whether the row exists after this change. */
    public boolean isUpsert() {
        return this != DELETE;
    }
}
