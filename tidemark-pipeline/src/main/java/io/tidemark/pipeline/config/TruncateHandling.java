package io.tidemark.pipeline.config;

import java.util.Locale;

/** What the pipeline does when a captured table is truncated at the source. */
public enum TruncateHandling {
    /** Empty the table in every sink it is routed to, guarded like a delete of every row. */
    APPLY,
    /** Stop the job with one line naming the table and the position, for a human to decide. */
    FAIL;

    /** The spelling used in {@code pipeline.yaml} ({@code apply}, {@code fail}). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
