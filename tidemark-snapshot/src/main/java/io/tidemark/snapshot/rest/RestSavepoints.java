package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.rest.handler.async.AsynchronousOperationInfo;
import org.apache.flink.runtime.rest.handler.async.TriggerResponse;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.TriggerId;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointDisposalRequest;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointDisposalStatusHeaders;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointDisposalStatusMessageParameters;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointDisposalTriggerHeaders;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointInfo;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointStatusHeaders;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointStatusMessageParameters;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointTriggerHeaders;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointTriggerMessageParameters;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointTriggerRequestBody;
import org.apache.flink.runtime.rest.messages.job.savepoints.stop.StopWithSavepointRequestBody;
import org.apache.flink.runtime.rest.messages.job.savepoints.stop.StopWithSavepointTriggerHeaders;
import org.apache.flink.util.SerializedThrowable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The savepoint operations through REST: trigger one, stop a job with one, dispose of one. Each
 * trigger returns an id that is polled here until the savepoint is complete or failed, within the
 * caller's deadline.
 */
final class RestSavepoints {

    private static final Logger LOG = LoggerFactory.getLogger(RestSavepoints.class);

    private final RestCalls calls;
    private final RestJobs jobs;
    private final Duration disposeTimeout;

    RestSavepoints(RestCalls calls, RestJobs jobs, Duration disposeTimeout) {
        this.calls = calls;
        this.jobs = jobs;
        this.disposeTimeout = disposeTimeout;
    }

    SavepointResult trigger(JobID job, SavepointRequest request, ProgressListener progress) throws Exception {
        RestWait wait = calls.waitFor("savepoint of job " + job, request.timeout(), progress, "; it may still complete on the cluster");
        jobs.requireRunning(job, "take a savepoint of", wait);
        SavepointTriggerMessageParameters params = SavepointTriggerHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobID.resolve(job);
        // our own trigger id: should the client resend the request, Flink takes it for the same savepoint
        SavepointTriggerRequestBody body = new SavepointTriggerRequestBody(request.targetDirectory(), false, request.format(), new TriggerId());
        TriggerResponse trigger = wait.call(calls.client().sendRequest(SavepointTriggerHeaders.getInstance(), params, body), job);
        String path = savepointPath(job, awaitSavepoint(job, trigger.getTriggerId(), wait));
        LOG.info("Savepoint of job {} complete at {}", job, path);
        return new SavepointResult(job, path, wait.elapsed());
    }

    SavepointResult stop(JobID job, SavepointRequest request, boolean drain, ProgressListener progress) throws Exception {
        RestWait wait = calls.waitFor("savepoint of job " + job, request.timeout(), progress,
                "; the savepoint may still complete and the job stop");
        jobs.requireRunning(job, "stop", wait);
        SavepointTriggerMessageParameters params = StopWithSavepointTriggerHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobID.resolve(job);
        StopWithSavepointRequestBody body = new StopWithSavepointRequestBody(request.targetDirectory(), drain, request.format(), new TriggerId());
        TriggerResponse trigger = wait.call(calls.client().sendRequest(StopWithSavepointTriggerHeaders.getInstance(), params, body), job);
        String path = savepointPath(job, awaitSavepoint(job, trigger.getTriggerId(), wait));

        RestWait finishing = wait.then("job " + job + " to finish", "; its savepoint at " + path + " is complete");
        while (true) {
            JobStatus status = finishing.call(calls.client().getJobStatus(job), job);
            if (status == JobStatus.FINISHED) {
                break;
            }
            if (status.isGloballyTerminalState()) {
                throw new SnapshotException(Reason.OPERATION_FAILED, "job " + job + " ended " + status
                        + " instead of FINISHED after its savepoint at " + path + "; see the job's exceptions in Flink's Web UI");
            }
            finishing.pause();
        }
        LOG.info("Job {} stopped with a savepoint at {}", job, path);
        return new SavepointResult(job, path, wait.elapsed());
    }

    void dispose(String path, ProgressListener progress) throws Exception {
        RestWait wait = calls.waitFor("disposal of savepoint " + path, disposeTimeout, progress, "; the cluster may still delete it");
        TriggerResponse trigger = wait.call(calls.client().sendRequest(
                SavepointDisposalTriggerHeaders.getInstance(), EmptyMessageParameters.getInstance(), new SavepointDisposalRequest(path)), null);
        SavepointDisposalStatusMessageParameters params = SavepointDisposalStatusHeaders.getInstance().getUnresolvedMessageParameters();
        params.triggerIdPathParameter.resolve(trigger.getTriggerId());
        AsynchronousOperationInfo info = calls.poll(wait, () -> calls.get(SavepointDisposalStatusHeaders.getInstance(), params));
        SerializedThrowable failure = info.getFailureCause();
        if (failure != null) {
            throw FlinkFailures.snapshotProblem(failure, "cannot dispose savepoint " + path)
                    .orElseGet(() -> new SnapshotException(Reason.OPERATION_FAILED,
                            "disposing savepoint " + path + " failed: " + FlinkFailures.rootCause(failure), failure));
        }
        LOG.info("Disposed savepoint {}", path);
    }

    private SavepointInfo awaitSavepoint(JobID job, TriggerId trigger, RestWait wait) throws Exception {
        SavepointStatusMessageParameters params = SavepointStatusHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobIdPathParameter.resolve(job);
        params.triggerIdPathParameter.resolve(trigger);
        return calls.poll(wait, () -> calls.get(SavepointStatusHeaders.getInstance(), params));
    }

    private String savepointPath(JobID job, SavepointInfo info) throws SnapshotException {
        if (info.getFailureCause() != null) {
            throw calls.operationFailure(job, "savepoint of job " + job, info.getFailureCause());
        }
        return info.getLocation();
    }
}
