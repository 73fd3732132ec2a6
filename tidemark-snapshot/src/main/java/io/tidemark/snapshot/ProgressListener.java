package io.tidemark.snapshot;

import java.time.Duration;

/**
 * Told, about once a second, that a long wait (a savepoint being written, a job starting) is still
 * going on, so that a command line can show progress. Called on the waiting thread.
 */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that shows nothing. */
    ProgressListener NONE = (what, elapsed) -> {};

    /** {@code what} (e.g. "savepoint of job 1a2b...") has been waited for {@code elapsed} so far. */
    void waiting(String what, Duration elapsed);
}
