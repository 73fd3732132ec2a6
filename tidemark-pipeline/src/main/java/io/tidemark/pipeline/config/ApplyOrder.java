package io.tidemark.pipeline.config;

import java.util.Locale;

/**
 * In which order a JDBC sink applies changes to different rows. Constraints that span rows
 * (a unique index besides the primary key, a foreign key) only hold on the sink if it applies
 * changes in the order the source made them.
 */
public enum ApplyOrder {
    /**
     * Per row in source order, across rows in any order: batches are compacted per row and applied
     * by several flushers and subtasks in parallel. The fast default; refuses sink tables with
     * unique indexes besides the primary key or foreign keys.
     */
    KEYED,
    /**
     * Every change in source order, by one writer: no reordering across rows or tables, so unique
     * indexes and foreign keys on the sink hold as they did on the source; and whole source
     * transactions per sink commit, so readers never see a state the source never had.
     */
    SOURCE;

    /** The spelling used in {@code pipeline.yaml} ({@code keyed}, {@code source}). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
