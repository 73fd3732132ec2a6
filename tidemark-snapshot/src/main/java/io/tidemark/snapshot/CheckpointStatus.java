package io.tidemark.snapshot;

import org.apache.flink.api.common.JobID;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;

/**
 * A job's checkpointing as its cluster reports it (Flink's {@code /jobs/:id/checkpoints} and
 * {@code /jobs/:id/checkpoints/config}): counts, the latest completed, failed and restored
 * checkpoints, and the configuration they follow.
 */
public record CheckpointStatus(
        JobID job,
        Counts counts,
        @Nullable Completed latestCompleted,
        @Nullable Completed latestSavepoint,
        @Nullable Failed latestFailed,
        @Nullable Restored restored,
        Config config) {

    /** How many checkpoints were triggered, are in progress, completed, failed and restored. */
    public record Counts(long triggered, long inProgress, long completed, long failed, long restored) {}

    /** A completed checkpoint or savepoint: id, when it completed, its external path and size. */
    public record Completed(long id, Instant completedAt, @Nullable String externalPath, long stateSizeBytes, Duration duration) {}

    /** The latest failed checkpoint and why it failed. */
    public record Failed(long id, Instant failedAt, @Nullable String message) {}

    /** The checkpoint or savepoint the job restored from: the one cleanup must never delete. */
    public record Restored(long id, Instant restoredAt, @Nullable String externalPath, boolean savepoint) {}

    /**
     * The checkpoint configuration: mode, interval, timeout, minimum pause, how many may run at once,
     * whether externalized checkpoints are retained on cancellation, and the storage. The interval is
     * zero when the job takes no periodic checkpoints (only triggered ones and savepoints).
     */
    public record Config(
            String mode,
            Duration interval,
            Duration timeout,
            Duration minPause,
            int maxConcurrent,
            boolean externalizationEnabled,
            boolean retainOnCancellation,
            @Nullable String checkpointStorage,
            @Nullable String stateBackend) {}
}
