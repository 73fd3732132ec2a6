package io.tidemark.snapshot;

import org.apache.flink.api.common.JobID;

import java.util.List;

/**
 * The savepoint and checkpoint operations on one Flink cluster, every call bounded by a timeout.
 * One narrow interface, like the Flink Kubernetes Operator's {@code FlinkService}, so that the CLI
 * and the spec's scripts behave the same whichever way the cluster is reached (its REST endpoint
 * today; an operator-managed deployment through the Kubernetes API later).
 *
 * <p>Failures a user can act on are {@link SnapshotException}s with a {@link SnapshotException.Reason};
 * a wait that runs past its deadline is a {@link java.util.concurrent.TimeoutException}.
 */
public interface SnapshotService extends AutoCloseable {

    /** The jobs the cluster knows, running or finished, newest first. */
    List<JobSummary> jobs() throws Exception;

    /** One job; {@link SnapshotException.Reason#JOB_NOT_FOUND} if the cluster does not know it. */
    JobSummary job(JobID job) throws Exception;

    /** Triggers a savepoint of a running job and waits until it is complete; returns where it is. */
    SavepointResult triggerSavepoint(JobID job, SavepointRequest request, ProgressListener progress) throws Exception;

    /**
     * Stops the job with a savepoint and waits until the savepoint is complete and the job has
     * finished; with {@code drain}, sources emit their final watermark first (for a job that will
     * not be resumed).
     */
    SavepointResult stopWithSavepoint(JobID job, SavepointRequest request, boolean drain, ProgressListener progress)
            throws Exception;

    /** Triggers a checkpoint of a running job and waits until it is complete; returns its id. */
    long triggerCheckpoint(JobID job, ProgressListener progress) throws Exception;

    /** The job's checkpoint counts, latest checkpoints, what it restored from, and its checkpoint configuration. */
    CheckpointStatus checkpointStatus(JobID job) throws Exception;

    /** Deletes a savepoint through the cluster (which can reach its storage) and waits until it is gone. */
    void disposeSavepoint(String path, ProgressListener progress) throws Exception;

    /**
     * Starts a job (for a restore: from a savepoint or retained checkpoint) and waits until it runs;
     * returns its id.
     */
    JobID submit(JobSubmission submission, ProgressListener progress) throws Exception;
}
