package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.MessageHeaders;
import org.apache.flink.runtime.rest.messages.MessageParameter;
import org.apache.flink.runtime.rest.messages.MessageParameters;
import org.apache.flink.runtime.rest.messages.ResponseBody;
import org.apache.flink.runtime.rest.messages.queue.AsynchronouslyCreatedResource;
import org.apache.flink.runtime.rest.messages.queue.QueueStatus;
import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.util.SerializedThrowable;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One cluster's REST client and the way every part of {@link RestSnapshotService} calls it: each
 * call bounded by the call timeout, and each failure turned into the exception to report (the
 * cluster unreachable, the job unknown, or Flink's reason in one line). One place, so that a
 * listing, a savepoint and a metrics read fail alike.
 */
final class RestCalls {

    private final RestClusterClient<StandaloneClusterId> client;
    private final String address;
    private final Duration callTimeout;

    RestCalls(RestClusterClient<StandaloneClusterId> client, String address, Duration callTimeout) {
        this.client = client;
        this.address = address;
        this.callTimeout = callTimeout;
    }

    RestClusterClient<StandaloneClusterId> client() {
        return client;
    }

    String address() {
        return address;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    /** Sends a request without a body. */
    <M extends MessageParameters, R extends ResponseBody> CompletableFuture<R> get(
            MessageHeaders<EmptyRequestBody, R, M> headers, M parameters) {
        return client.sendRequest(headers, parameters, EmptyRequestBody.getInstance());
    }

    /** A long wait of {@code what}, at most {@code limit}; {@code timeoutNote} ends its timeout message. */
    RestWait waitFor(String what, Duration limit, ProgressListener progress, String timeoutNote) {
        return new RestWait(this, what, limit, progress, timeoutNote);
    }

    /** Waits for one call, at most the call timeout. */
    <T> T call(CompletableFuture<T> future, String what, @Nullable JobID job) throws Exception {
        return await(future, callTimeout, () -> what + ": the cluster at " + address + " did not answer within "
                + format(callTimeout), what, job);
    }

    /**
     * Waits for one call whose resource may be gone without anything being wrong (the details of a
     * checkpoint the cluster no longer keeps): empty on 404, every other failure as {@link #call}
     * reports it.
     */
    <T> Optional<T> callIfFound(CompletableFuture<T> future, String what) throws Exception {
        try {
            return Optional.of(call(future, what, null));
        } catch (SnapshotException e) {
            Optional<RestClientException> rest = FlinkFailures.restError(e);
            if (rest.isPresent() && rest.get().getHttpResponseStatus().code() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    <T> T await(CompletableFuture<T> future, Duration limit, Supplier<String> timeoutMessage, String what, @Nullable JobID job)
            throws Exception {
        try {
            return future.get(Math.max(0, limit.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException(timeoutMessage.get());
        } catch (ExecutionException e) {
            throw failure(e.getCause(), what, job);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /** Polls an asynchronous operation until the cluster reports it completed (successfully or not). */
    <R> R poll(RestWait wait, Supplier<CompletableFuture<? extends AsynchronouslyCreatedResource<R>>> status) throws Exception {
        while (true) {
            AsynchronouslyCreatedResource<R> result = wait.call(status.get(), null);
            if (result.queueStatus().getId() == QueueStatus.Id.COMPLETED) {
                return result.resource();
            }
            wait.pause();
        }
    }

    /** The failure of a call as the exception to report: unreachable, unknown job, or Flink's one-line reason. */
    Exception failure(Throwable error, String what, @Nullable JobID job) {
        Throwable cause = FlinkFailures.unwrap(error);
        if (cause instanceof SnapshotException || cause instanceof TimeoutException) {
            return (Exception) cause;
        }
        Optional<Throwable> connection = FlinkFailures.connectionProblem(cause);
        if (connection.isPresent()) {
            return new SnapshotException(Reason.CLUSTER_UNREACHABLE,
                    "cannot reach Flink's REST API at " + address + ": " + FlinkFailures.connectionReason(connection.get()), cause);
        }
        Optional<RestClientException> rest = FlinkFailures.restError(cause);
        if (rest.isPresent()) {
            int status = rest.get().getHttpResponseStatus().code();
            String server = FlinkFailures.serverMessage(rest.get());
            // a job endpoint answers 404 for an unknown job, except the checkpoint ones for a job that does not checkpoint
            if (job != null && (status == 404 && !server.contains("heckpointing") || FlinkFailures.isJobNotFound(cause))) {
                return jobNotFound(job, cause);
            }
            // "Config key [execution.checkpointing.savepoint-dir] is not set. Property [target-directory] must be provided."
            // (targetDirectory for stop-with-savepoint)
            if (status == 400 && (server.contains("[target-directory]") || server.contains("[targetDirectory]"))) {
                return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: the cluster has no default savepoint"
                        + " directory; pass a target directory, or set " + CheckpointingOptions.SAVEPOINT_DIRECTORY.key()
                        + " in the cluster's configuration", cause);
            }
            return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: " + server, cause);
        }
        if (job != null && FlinkFailures.isJobNotFound(cause)) {
            return jobNotFound(job, cause);
        }
        return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: " + FlinkFailures.rootCause(cause), cause);
    }

    /** An operation the cluster ran and reported failed ({@code cause}): the job gone, or Flink's reason. */
    SnapshotException operationFailure(JobID job, String what, SerializedThrowable cause) {
        if (FlinkFailures.isJobNotFound(cause)) {
            return jobNotFound(job, cause);
        }
        return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: " + FlinkFailures.rootCause(cause), cause);
    }

    SnapshotException jobNotFound(JobID job, Throwable cause) {
        return new SnapshotException(Reason.JOB_NOT_FOUND, "job " + job + " is not known to the cluster at " + address
                + "; check the id against the cluster's jobs (Flink's Web UI, or 'flink list')", cause);
    }

    /**
     * Sets the path or query parameter {@code key} of {@code parameters} from its text (a query
     * parameter takes a comma-separated list). Flink's parameter classes keep most fields to
     * themselves; their keys are the documented REST API.
     */
    static void resolve(MessageParameters parameters, String key, String value) {
        List<MessageParameter<?>> all = new ArrayList<>(parameters.getPathParameters());
        all.addAll(parameters.getQueryParameters());
        for (MessageParameter<?> parameter : all) {
            if (parameter.getKey().equals(key)) {
                try {
                    parameter.resolveFromString(value);
                    return;
                } catch (Exception e) {
                    throw new IllegalArgumentException("not a valid " + key + ": " + value, e);
                }
            }
        }
        throw new IllegalArgumentException(parameters.getClass().getSimpleName() + " has no parameter " + key);
    }

    /** 250ms, 1.5s, 30s. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
