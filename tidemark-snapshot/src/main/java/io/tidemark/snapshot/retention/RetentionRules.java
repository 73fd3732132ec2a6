package io.tidemark.snapshot.retention;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * What a cleanup keeps, as given on the command line ({@code --keep-last}, {@code --max-age}). The
 * rules are keep rules, as in restic and borg: a snapshot is kept if any rule keeps it, and deleted
 * only if none does. See {@link RetentionPolicy} for the full list of what is always kept.
 *
 * @param keepLast keep the N newest complete snapshots ({@code null}: no such rule; 0 keeps only what the
 *     other rules keep)
 * @param maxAge keep every snapshot younger than this ({@code null}: no such rule)
 * @param incompleteGrace keep an incomplete snapshot younger than this: Flink may still be writing it
 *     (default {@link #DEFAULT_INCOMPLETE_GRACE})
 * @param incompleteOnly {@code --incomplete}: keep every complete snapshot, so that only abandoned ones
 *     (incomplete and older than the grace) are deleted; then neither {@code keepLast} nor {@code maxAge} is given
 */
public record RetentionRules(
        @Nullable Integer keepLast, @Nullable Duration maxAge, Duration incompleteGrace, boolean incompleteOnly) {

    /** Long enough for any savepoint or checkpoint still being written to finish. */
    public static final Duration DEFAULT_INCOMPLETE_GRACE = Duration.ofHours(1);

    public RetentionRules {
        if (incompleteOnly && (keepLast != null || maxAge != null)) {
            throw new IllegalArgumentException("--incomplete deletes only abandoned snapshots and keeps every complete one;"
                    + " it takes no --keep-last or --max-age");
        }
        if (!incompleteOnly && keepLast == null && maxAge == null) {
            throw new IllegalArgumentException(
                    "Give at least one retention rule: --keep-last N (keep the N newest complete snapshots) "
                            + "or --max-age DURATION (keep snapshots younger than that)");
        }
        if (keepLast != null && keepLast < 0) {
            throw new IllegalArgumentException("--keep-last cannot be negative: " + keepLast);
        }
        if (maxAge != null && maxAge.isNegative()) {
            throw new IllegalArgumentException("--max-age cannot be negative: " + maxAge);
        }
        Objects.requireNonNull(incompleteGrace, "incompleteGrace cannot be null");
        if (incompleteGrace.isNegative()) {
            throw new IllegalArgumentException("the grace for incomplete snapshots cannot be negative: " + incompleteGrace);
        }
    }

    /** The given rules with the default grace for incomplete snapshots. */
    public RetentionRules(@Nullable Integer keepLast, @Nullable Duration maxAge) {
        this(keepLast, maxAge, DEFAULT_INCOMPLETE_GRACE, false);
    }

    /**
     * Delete only abandoned snapshots ({@code --incomplete}): incomplete ones older than the grace;
     * every complete snapshot is kept.
     */
    public static RetentionRules abandonedOnly() {
        return new RetentionRules(null, null, DEFAULT_INCOMPLETE_GRACE, true);
    }

    /** Keep the {@code count} newest complete snapshots (and what is always kept). */
    public static RetentionRules keepLast(int count) {
        return new RetentionRules(count, null);
    }

    /** Keep snapshots younger than {@code maxAge} (and what is always kept). */
    public static RetentionRules maxAge(Duration maxAge) {
        return new RetentionRules(null, Objects.requireNonNull(maxAge, "maxAge cannot be null"));
    }

    /** These rules with another grace for incomplete snapshots. */
    public RetentionRules withIncompleteGrace(Duration grace) {
        return new RetentionRules(keepLast, maxAge, grace, incompleteOnly);
    }
}
