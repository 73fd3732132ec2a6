package io.tidemark.cli.flink;

import io.tidemark.snapshot.FailureStreak;
import io.tidemark.snapshot.JobFailure;
import io.tidemark.snapshot.JobObserver;

import org.apache.flink.api.common.JobID;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Says on the console what a running job's restarts are about, as they happen: each failure Flink
 * recorded, numbered, with its root cause in one line, and how often in a row the same cause came
 * back. Restarting heals an outage but not a permanent error, so after {@code maxSameFailures}
 * failures in a row with the same cause within {@code window} it reports that streak, for the
 * caller to stop the job rather than let it spin silently.
 */
public final class FailureWatch {

    private final JobObserver jobs;
    private final JobID job;
    private final Consumer<String> console;
    private final int maxSameFailures;
    private final Duration window;
    private final FailureStreak streak;
    private Instant lastSeen = Instant.EPOCH;
    private int failures;

    /** Prints each failure as a line to {@code console}; {@code maxSameFailures} 0: report, never give up. */
    public FailureWatch(JobObserver jobs, JobID job, Consumer<String> console, int maxSameFailures, Duration window) {
        this.jobs = jobs;
        this.job = job;
        this.console = console;
        this.maxSameFailures = maxSameFailures;
        this.window = window;
        this.streak = new FailureStreak(window);
    }

    /**
     * Prints the failures recorded since the last call; returns the last one if it completed a
     * streak of {@code maxSameFailures} with the same cause.
     */
    public Optional<JobFailure> check() throws Exception {
        for (JobFailure failure : jobs.failures(job)) {
            if (!failure.time().isAfter(lastSeen)) {
                continue;
            }
            lastSeen = failure.time();
            failures++;
            int inARow = streak.add(failure);
            console.accept("Job failed (failure " + failures + "), Flink restarts it: " + failure.describe()
                    + (inARow > 1 ? " (same cause " + inARow + " times in a row)" : ""));
            if (maxSameFailures > 0 && inARow >= maxSameFailures) {
                return Optional.of(failure);
            }
        }
        return Optional.empty();
    }

    /** The one line that says why the job was stopped. */
    public String gaveUp(JobFailure failure) {
        return "the job failed " + streak.size() + " times in a row within " + window.toSeconds()
                + "s with the same cause, so it was stopped: " + failure.cause()
                + "; fix the cause and run again (--max-same-failures 0 keeps restarting)";
    }
}
