package io.tidemark.snapshot;

/**
 * The two kinds of Flink snapshot the tooling handles. A savepoint is owned by the user and lives
 * until someone deletes it; a retained checkpoint is what Flink leaves behind with
 * RETAIN_ON_CANCELLATION, and can be restored from like a savepoint.
 */
public enum SnapshotKind {
    SAVEPOINT,
    CHECKPOINT
}
