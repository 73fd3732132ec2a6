package io.tidemark.snapshot;

import io.tidemark.failure.SameCauseStreak;

import java.time.Duration;
import java.util.List;

/**
 * Failures in a row with the same cause ({@link JobFailure#key()}) within a window: what tells a
 * permanent error (a dropped sink table, a value the pipeline cannot convert), which restarting
 * never heals, from a passing outage. A failure with another cause starts a new streak; failures
 * older than the window fall out of it. The JobManager's failure enricher counts the same streak
 * ({@link SameCauseStreak}) for its {@code tidemarkSameCauseFailures} metric.
 */
public final class FailureStreak {

    private final SameCauseStreak streak;

    public FailureStreak(Duration window) {
        this.streak = new SameCauseStreak(window);
    }

    /** Adds a failure (in time order); returns how many failures the streak now holds. */
    public int add(JobFailure failure) {
        return streak.add(failure.time(), failure.key());
    }

    public int size() {
        return streak.size();
    }

    /** How many failures at the end of {@code failures} (oldest first) have the last one's cause, whenever they happened. */
    public static int atTheEnd(List<JobFailure> failures) {
        int n = 0;
        for (int i = failures.size() - 1; i >= 0 && failures.get(i).key().equals(failures.get(failures.size() - 1).key()); i--) {
            n++;
        }
        return n;
    }
}
