package io.tidemark.snapshot;

import org.apache.flink.api.common.JobID;

import java.util.List;

/**
 * What a running job tells about itself, for watching it from a terminal ({@code tidemark
 * checkpoint status --watch}) as a dashboard would: its recent checkpoints with their alignment,
 * Tidemark's own metrics, and its failures with their root causes. Apart from {@link SnapshotService} because only a cluster's REST API
 * serves these (an operator-managed deployment's Kubernetes API has neither); every call is bounded
 * by a timeout, and an unknown job is {@link SnapshotException.Reason#JOB_NOT_FOUND}.
 */
public interface JobObserver {

    /** The checkpoints and savepoints the cluster still keeps statistics of, newest first. */
    List<RecentCheckpoint> recentCheckpoints(JobID job) throws Exception;

    /** Tidemark's metrics of the job, each {@code null} where the job does not report it. */
    TidemarkMetrics tidemarkMetrics(JobID job) throws Exception;

    /**
     * The job's failures that the cluster's exception history still holds (the last {@code
     * web.exception-history-size}, 16 by default), oldest first.
     */
    List<JobFailure> failures(JobID job) throws Exception;

    /**
     * The paths of the job's checkpoints and savepoints the cluster still records (its recent
     * history, latest savepoint and checkpoint, what it restored from): what tells a savepoint's
     * whole job id, which its directory name abbreviates and its {@code _metadata} does not hold.
     */
    List<String> snapshotPaths(JobID job) throws Exception;

    /** Where the job's initial snapshot stands; {@link SnapshotPhase#UNKNOWN} where the cluster does not say. */
    default SnapshotPhase snapshotPhase(JobID job) throws Exception {
        return SnapshotPhase.UNKNOWN;
    }
}
