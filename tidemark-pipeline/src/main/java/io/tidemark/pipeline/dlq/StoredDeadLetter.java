package io.tidemark.pipeline.dlq;

import java.time.Instant;

/** A dead letter as a queue holds it: its id there, and whether and how it was replayed. */
public record StoredDeadLetter(long id, DeadLetter letter, Instant replayedAt, ReplayResult replayResult) {

    /** What a replay did with an entry. */
    public enum ReplayResult {
        /** The change was applied to the sink. */
        APPLIED,
        /** The sink already held a newer version of the row (or its delete): nothing to do. */
        SKIPPED
    }

    public boolean isReplayed() {
        return replayedAt != null;
    }
}
