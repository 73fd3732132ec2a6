package io.tidemark.snapshot.storage;

import io.tidemark.snapshot.SnapshotKind;

import javax.annotation.Nullable;

import java.time.Instant;
import java.util.Objects;

/**
 * One savepoint or retained checkpoint as found in snapshot storage, whoever wrote it: what a user
 * needs to choose one to restore from and what retention needs to decide whether to keep it.
 *
 * @param path the snapshot directory as a URI string, e.g. {@code file:/x/savepoints/savepoint-1a2b3c-0123456789ab}
 *     or {@code s3://bucket/checkpoints/<job id>/chk-42}, normalised by {@link SnapshotPaths#normalize}
 * @param kind a {@code chk-<n>} directory is a checkpoint; anything else (normally {@code savepoint-*}) a savepoint
 * @param jobId the 32-hex job id of a checkpoint (its parent directory's name); {@code null} for a savepoint,
 *     whose {@code _metadata} does not name its job
 * @param jobIdPrefix the first 6 hex digits of the job id: from a savepoint directory named
 *     {@code savepoint-<6 hex>-<12 hex>}, or from a checkpoint's job id; {@code null} otherwise
 * @param checkpointId the id in {@code _metadata}; for a checkpoint whose {@code _metadata} cannot be read, the
 *     {@code <n>} of {@code chk-<n>}; otherwise {@code null}
 * @param time when {@code _metadata} was last modified; without a {@code _metadata}, the newest file's time
 *     (or the directory's, if it holds no file)
 * @param sizeBytes the sum of the sizes of the files under the directory. A checkpoint's incremental state in
 *     {@code <job id>/shared/} and its task-owned state in {@code <job id>/taskowned/} lie outside
 *     {@code chk-<n>} and are not counted (nor freed when the checkpoint is deleted)
 * @param complete whether {@code _metadata} exists and Flink's {@code Checkpoints.loadCheckpointMetadata} reads it:
 *     only a complete snapshot can be restored from
 * @param problem why the snapshot is not complete, on one line; {@code null} when it is
 */
public record SnapshotInfo(
        String path,
        SnapshotKind kind,
        @Nullable String jobId,
        @Nullable String jobIdPrefix,
        @Nullable Long checkpointId,
        Instant time,
        long sizeBytes,
        boolean complete,
        @Nullable String problem) {

    /** This snapshot with its whole job id, learnt elsewhere (the cluster's records of the job). */
    public SnapshotInfo withJobId(String wholeJobId) {
        return new SnapshotInfo(path, kind, wholeJobId, jobIdPrefix, checkpointId, time, sizeBytes, complete, problem);
    }

    public SnapshotInfo {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(kind, "kind cannot be null");
        Objects.requireNonNull(time, "time cannot be null");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes cannot be negative: " + sizeBytes);
        }
        if (complete != (problem == null)) {
            throw new IllegalArgumentException(
                    "a snapshot has a problem exactly when it is not complete: complete=" + complete + ", problem=" + problem);
        }
    }
}
