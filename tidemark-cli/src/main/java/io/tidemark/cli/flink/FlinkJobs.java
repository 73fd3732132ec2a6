package io.tidemark.cli.flink;

import io.tidemark.cli.IncompatibleStateException;
import io.tidemark.cli.NotFoundException;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotProblems;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.util.SerializedThrowable;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Flink REST calls the CLI makes, each with a timeout, over a {@link ClusterClient}. It also
 * translates a job's failure into the exception that gives the right exit code, reading Flink's
 * snapshot sentences through {@link SnapshotProblems} as the REST and operator targets do: a
 * savepoint that cannot be mapped to the job's operators is an {@link IncompatibleStateException},
 * one that does not exist a {@link NotFoundException}.
 */
public final class FlinkJobs {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(5);

    private final ClusterClient<?> client;

    public FlinkJobs(ClusterClient<?> client) {
        this.client = client;
    }

    /** Submits {@code graph}; returns once the cluster accepted it. */
    public JobID submit(JobGraph graph) throws Exception {
        return get(client.submitJob(graph), SUBMIT_TIMEOUT, "submitting job " + graph.getName());
    }

    public JobStatus status(JobID job) throws Exception {
        return get(client.getJobStatus(job), CALL_TIMEOUT, "reading the status of job " + job);
    }

    /**
     * Waits until {@code job} is {@code RUNNING}; fails with the job's own error if it ends
     * instead, and with a {@link TimeoutException} after {@code deadline}.
     */
    public void awaitRunning(JobID job, Duration deadline) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            JobStatus status = status(job);
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                throw failure(job, status);
            }
            if (System.nanoTime() > end) {
                throw new TimeoutException("job " + job + " is still " + status + " after " + deadline.toSeconds() + "s");
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** Triggers a savepoint into {@code directory} and waits until it is complete; returns its path. */
    public String triggerSavepoint(JobID job, String directory) throws Exception {
        return get(client.triggerSavepoint(job, directory, SavepointFormatType.CANONICAL), SAVEPOINT_TIMEOUT,
                "taking a savepoint of job " + job);
    }

    /** Cancels {@code job} unless it already ended (or the cluster no longer knows it), and waits until it did. */
    public void cancel(JobID job, Duration deadline) throws Exception {
        try {
            if (status(job).isGloballyTerminalState()) {
                return;
            }
        } catch (Exception e) {
            if (isJobNotFound(e)) {
                return;
            }
            throw e;
        }
        get(client.cancel(job), CALL_TIMEOUT, "cancelling job " + job);
        long end = System.nanoTime() + deadline.toNanos();
        while (!status(job).isGloballyTerminalState()) {
            if (System.nanoTime() > end) {
                throw new TimeoutException("job " + job + " did not stop within " + deadline.toSeconds() + "s");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static boolean isJobNotFound(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("FlinkJobNotFoundException")) {
                return true;
            }
        }
        return false;
    }

    /** The exception to report for a job that ended in {@code status}. */
    public Exception failure(JobID job, JobStatus status) throws Exception {
        if (status != JobStatus.FAILED) {
            return new IllegalStateException("job " + job + " ended: " + status);
        }
        JobResult result = get(client.requestJobResult(job), CALL_TIMEOUT, "reading the result of job " + job);
        Optional<SerializedThrowable> error = result.getSerializedThrowable();
        if (error.isEmpty()) {
            return new IllegalStateException("job " + job + " failed");
        }
        return translate(job, error.get());
    }

    /** The root cause's message, classified by what the user can do about it. */
    static Exception translate(JobID job, Throwable error) {
        Throwable root = error;
        for (Throwable t = error; t != null; t = t.getCause()) {
            Optional<SnapshotException> problem =
                    SnapshotProblems.of(message(t), "job " + job + " cannot restore its savepoint", error);
            if (problem.isPresent()) {
                SnapshotException p = problem.get();
                return switch (p.reason()) {
                    case INCOMPATIBLE_STATE -> new IncompatibleStateException(p.getMessage(), error);
                    case SNAPSHOT_NOT_FOUND -> new NotFoundException(p.getMessage());
                    default -> p; // not a snapshot, corrupt: their own exit codes
                };
            }
            root = t;
        }
        return new IllegalStateException("job " + job + " failed: " + name(root) + ": " + firstLine(message(root)), error);
    }

    /** The message; a serialized cause's message starts with its class name, which is dropped. */
    private static String message(Throwable t) {
        String message = String.valueOf(t.getMessage());
        if (t instanceof SerializedThrowable serialized) {
            String prefix = serialized.getOriginalErrorClassName() + ": ";
            if (message.startsWith(prefix)) {
                return message.substring(prefix.length());
            }
        }
        return message;
    }

    private static String name(Throwable t) {
        String name = t instanceof SerializedThrowable serialized ? serialized.getOriginalErrorClassName() : t.getClass().getName();
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse(text);
    }

    private static <T> T get(CompletableFuture<T> future, Duration timeout, String what) throws Exception {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException(what + " took longer than " + timeout.toSeconds() + "s");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
