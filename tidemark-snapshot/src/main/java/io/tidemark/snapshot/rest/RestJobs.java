package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The jobs of the cluster as its REST API lists them: all of them, one with its status, and the
 * vertices of one (whose metrics and checkpoint details are read per vertex). The snapshot
 * operations ask here first whether a job still runs.
 */
final class RestJobs {

    /** A vertex of a job's graph: a chain of operators that runs as one task. */
    record Vertex(JobVertexID id, String name) {}

    private final RestCalls calls;

    RestJobs(RestCalls calls) {
        this.calls = calls;
    }

    List<JobSummary> jobs() throws Exception {
        Collection<JobStatusMessage> jobs = calls.call(calls.client().listJobs(), "listing the jobs", null);
        return jobs.stream()
                .map(j -> new JobSummary(j.getJobId(), j.getJobName(), j.getJobState(), Instant.ofEpochMilli(j.getStartTime())))
                .sorted(Comparator.comparing(JobSummary::startTime).reversed())
                .toList();
    }

    JobSummary job(JobID job) throws Exception {
        JobDetailsInfo details = details(job);
        // the details come from a cache that lags by up to web.refresh-interval; the status endpoint does not
        JobStatus status = calls.call(calls.client().getJobStatus(job), "reading the status of job " + job, job);
        return new JobSummary(details.getJobId(), details.getName(), status, Instant.ofEpochMilli(details.getStartTime()));
    }

    List<Vertex> vertices(JobID job) throws Exception {
        return details(job).getJobVertexInfos().stream().map(v -> new Vertex(v.getJobVertexID(), v.getName())).toList();
    }

    /** Fails unless the job is known and not yet ended (Flink reports a savepoint of an ended job less clearly). */
    void requireRunning(JobID job, String action, RestWait wait) throws Exception {
        JobStatus status = wait.call(calls.client().getJobStatus(job), job);
        if (status.isGloballyTerminalState()) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "cannot " + action + " job " + job + ": it is " + status
                    + " already; to run it again, restore it from its latest savepoint");
        }
    }

    private JobDetailsInfo details(JobID job) throws Exception {
        return calls.call(calls.client().getJobDetails(job), "reading job " + job, job);
    }
}
