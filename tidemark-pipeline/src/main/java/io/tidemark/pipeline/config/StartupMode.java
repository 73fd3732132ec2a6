package io.tidemark.pipeline.config;

import java.util.Locale;

/** Whether a new pipeline first copies the existing rows or only streams later changes. */
public enum StartupMode {
    /** Snapshot the tables, then stream changes. */
    INITIAL,
    /** Stream only changes made after the job starts. */
    LATEST;

    /** The spelling used in {@code pipeline.yaml} ({@code initial}, {@code latest}). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
