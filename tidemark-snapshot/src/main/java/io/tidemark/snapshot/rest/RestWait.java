package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.ProgressListener;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.time.Deadline;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * One long wait (a savepoint, a checkpoint, a job starting): its deadline, the progress it reports
 * about once a second, and the pause between polls, which grows from 50 ms to 500 ms so that quick
 * operations return quickly.
 */
final class RestWait {

    private static final Duration FIRST_POLL_PAUSE = Duration.ofMillis(50);
    private static final Duration MAX_POLL_PAUSE = Duration.ofMillis(500);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    private final RestCalls calls;
    private final String what;
    private final Duration limit;
    private final Deadline deadline;
    private final long startedNanos;
    private final ProgressListener progress;
    private final String timeoutNote;
    private Duration pause = FIRST_POLL_PAUSE;
    private long nextReportNanos = PROGRESS_EVERY.toNanos();

    RestWait(RestCalls calls, String what, Duration limit, ProgressListener progress, String timeoutNote) {
        this(calls, what, limit, Deadline.fromNow(limit), System.nanoTime(), progress, timeoutNote);
    }

    /** A step of {@code outer} (an upload in a submission) that shares its deadline and progress. */
    RestWait(String what, RestWait outer) {
        this(outer.calls, what, outer.limit, outer.deadline, outer.startedNanos, outer.progress, outer.timeoutNote);
    }

    private RestWait(RestCalls calls, String what, Duration limit, Deadline deadline, long startedNanos,
            ProgressListener progress, String timeoutNote) {
        this.calls = calls;
        this.what = what;
        this.limit = limit;
        this.deadline = deadline;
        this.startedNanos = startedNanos;
        this.progress = progress;
        this.timeoutNote = timeoutNote;
    }

    /** The next step of the same wait, under the same deadline. */
    RestWait then(String nextWhat, String nextTimeoutNote) {
        RestWait next = new RestWait(calls, nextWhat, limit, deadline, startedNanos, progress, nextTimeoutNote);
        next.nextReportNanos = nextReportNanos;
        return next;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** One call within the wait: at most the call timeout, and never past the deadline. */
    <T> T call(CompletableFuture<T> future, @Nullable JobID job) throws Exception {
        Duration callTimeout = calls.callTimeout();
        Duration left = deadline.timeLeft();
        boolean deadlineBound = left.compareTo(callTimeout) < 0;
        Duration bound = deadlineBound ? left : callTimeout;
        return calls.await(future, bound, () -> deadlineBound ? timedOut() : what + ": the cluster at " + calls.address()
                + " did not answer within " + RestCalls.format(callTimeout), what, job);
    }

    /** One call that may take as long as the wait has left. */
    <T> T callUntilDeadline(CompletableFuture<T> future, @Nullable JobID job) throws Exception {
        return calls.await(future, deadline.timeLeft(), this::timedOut, what, job);
    }

    /** Sleeps until the next poll, reporting progress; a {@link TimeoutException} once the deadline has passed. */
    void pause() throws Exception {
        if (!deadline.hasTimeLeft()) {
            throw new TimeoutException(timedOut());
        }
        Duration left = deadline.timeLeft();
        Thread.sleep(Math.max(1, (left.compareTo(pause) < 0 ? left : pause).toMillis()));
        pause = pause.multipliedBy(2).compareTo(MAX_POLL_PAUSE) > 0 ? MAX_POLL_PAUSE : pause.multipliedBy(2);
        long elapsed = System.nanoTime() - startedNanos;
        if (elapsed >= nextReportNanos) {
            progress.waiting(what, Duration.ofNanos(elapsed));
            nextReportNanos = (elapsed / PROGRESS_EVERY.toNanos() + 1) * PROGRESS_EVERY.toNanos();
        }
    }

    private String timedOut() {
        return what + " did not complete within " + RestCalls.format(limit) + timeoutNote;
    }
}
