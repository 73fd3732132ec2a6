package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.ProgressListener;

import org.apache.flink.api.common.time.Deadline;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One long wait for the operator (a savepoint being written, a job redeploying): its deadline, the
 * progress it reports about once a second, and the pause between polls of the Kubernetes API,
 * which grows from 50 ms to 500 ms so that quick operations return quickly without polling a busy
 * API server hard.
 */
final class Wait {

    private static final Duration FIRST_PAUSE = Duration.ofMillis(50);
    private static final Duration MAX_PAUSE = Duration.ofMillis(500);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    private final String what;
    private final Duration limit;
    private final Deadline deadline;
    private final long startedNanos;
    private final ProgressListener progress;
    private Supplier<String> timeoutNote = () -> "";
    private Duration pause = FIRST_PAUSE;
    private long nextReportNanos = PROGRESS_EVERY.toNanos();

    Wait(String what, Duration limit, ProgressListener progress) {
        this.what = what;
        this.limit = limit;
        this.deadline = Deadline.fromNow(limit);
        this.startedNanos = System.nanoTime();
        this.progress = progress;
    }

    /** What a timeout should add to "... did not complete within 30s", judged when it happens (e.g. what the operator last reported). */
    void timeoutNote(Supplier<String> note) {
        this.timeoutNote = note;
    }

    String what() {
        return what;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    Duration timeLeft() {
        return deadline.timeLeft();
    }

    /** Sleeps until the next poll, reporting progress; a {@link TimeoutException} once the deadline has passed. */
    void pause() throws TimeoutException, InterruptedException {
        if (!deadline.hasTimeLeft()) {
            throw timedOut();
        }
        Duration left = deadline.timeLeft();
        Thread.sleep(Math.max(1, (left.compareTo(pause) < 0 ? left : pause).toMillis()));
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        long elapsed = System.nanoTime() - startedNanos;
        if (elapsed >= nextReportNanos) {
            progress.waiting(what, Duration.ofNanos(elapsed));
            nextReportNanos = (elapsed / PROGRESS_EVERY.toNanos() + 1) * PROGRESS_EVERY.toNanos();
        }
    }

    TimeoutException timedOut() {
        return new TimeoutException(what + " did not complete within " + format(limit) + timeoutNote.get());
    }

    /** 250ms, 1.5s, 30s. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
