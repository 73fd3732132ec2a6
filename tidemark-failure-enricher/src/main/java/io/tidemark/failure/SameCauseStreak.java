package io.tidemark.failure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * Failures in a row with the same cause ({@link FailureCause#key(String)}) within a window: what tells
 * a permanent error (a dropped sink table, a value the pipeline cannot convert), which restarting never
 * heals, from a passing outage. A failure with another cause starts a new streak; failures older than
 * the window fall out of it. Not thread-safe.
 */
public final class SameCauseStreak {

    private final Duration window;
    private final Deque<Instant> times = new ArrayDeque<>();
    private String key;

    public SameCauseStreak(Duration window) {
        this.window = Objects.requireNonNull(window, "window cannot be null");
    }

    /** Adds a failure (in time order); returns how many failures the streak now holds. */
    public int add(Instant time, String key) {
        if (!key.equals(this.key)) {
            times.clear();
            this.key = key;
        }
        times.addLast(time);
        Instant oldest = time.minus(window);
        while (times.peekFirst().isBefore(oldest)) {
            times.removeFirst();
        }
        return times.size();
    }

    /** How many failures the streak held when the last one was added. */
    public int size() {
        return times.size();
    }

    /**
     * How many failures of the streak happened within the window before {@code now}: what a gauge
     * shows, falling back to 0 once the cause stops coming back.
     */
    public int size(Instant now) {
        Instant oldest = now.minus(window);
        int n = 0;
        for (var it = times.descendingIterator(); it.hasNext() && !it.next().isBefore(oldest); ) {
            n++;
        }
        return n;
    }
}
