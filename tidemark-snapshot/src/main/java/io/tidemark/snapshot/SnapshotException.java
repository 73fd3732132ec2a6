package io.tidemark.snapshot;

/**
 * A snapshot operation that failed for a reason a user can act on. The {@link Reason} lets the CLI
 * and the scripts give each kind of failure its own exit code without parsing messages; the message
 * is one line that names the job, path or address and says what would fix it. Timeouts are reported
 * as {@link java.util.concurrent.TimeoutException} instead.
 */
public final class SnapshotException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why the operation failed. */
    public enum Reason {
        /** The cluster does not know the job id. */
        JOB_NOT_FOUND,
        /** Nothing exists at the snapshot path. */
        SNAPSHOT_NOT_FOUND,
        /** The path exists but holds no snapshot (no {@code _metadata}, or not a directory Flink wrote). */
        NOT_A_SNAPSHOT,
        /** The snapshot's {@code _metadata} cannot be read by Flink. */
        CORRUPT_SNAPSHOT,
        /**
         * The snapshot holds state the job cannot take: an operator it has state for is gone or has a
         * new uid, and non-restored state was not allowed.
         */
        INCOMPATIBLE_STATE,
        /** The cluster's REST endpoint (or the Kubernetes API) cannot be reached. */
        CLUSTER_UNREACHABLE,
        /** Flink tried and failed (a savepoint or checkpoint that failed, a job that did not start). */
        OPERATION_FAILED
    }

    private final Reason reason;

    public SnapshotException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SnapshotException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
