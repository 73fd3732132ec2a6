package io.tidemark.snapshot;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One checkpoint or savepoint of a job's recent history, as its cluster keeps it (Flink's {@code
 * web.checkpoints.history}, ten by default): what a dashboard plots to see checkpoints slow down,
 * grow, or wait on alignment before they fail.
 *
 * @param duration from the trigger to the last acknowledgement (so far, while in progress)
 * @param checkpointedSizeBytes what this checkpoint wrote (with incremental checkpoints, less than
 *     the state)
 * @param stateSizeBytes the full state the checkpoint holds
 * @param processedDataBytes data processed while the checkpoint aligned or was persisted (unaligned
 *     checkpoints)
 * @param persistedDataBytes in-flight data the checkpoint persisted (unaligned checkpoints)
 * @param alignment the longest barrier alignment of any subtask; {@code null} where the cluster no
 *     longer has, or never had, the checkpoint's details
 * @param startDelay the longest time any subtask took to see the first barrier; {@code null} as
 *     {@code alignment}
 * @param failureMessage why a failed checkpoint failed
 */
public record RecentCheckpoint(
        long id,
        Status status,
        boolean savepoint,
        Instant triggeredAt,
        Duration duration,
        long checkpointedSizeBytes,
        long stateSizeBytes,
        long processedDataBytes,
        long persistedDataBytes,
        int acknowledgedSubtasks,
        int subtasks,
        @Nullable Duration alignment,
        @Nullable Duration startDelay,
        @Nullable String failureMessage) {

    /** Where a checkpoint is: still running, complete, or failed. */
    public enum Status {
        IN_PROGRESS,
        COMPLETED,
        FAILED
    }

    public RecentCheckpoint {
        Objects.requireNonNull(status, "status cannot be null");
        Objects.requireNonNull(triggeredAt, "triggeredAt cannot be null");
        Objects.requireNonNull(duration, "duration cannot be null");
    }
}
