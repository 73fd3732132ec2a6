package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.UrlPrefixDecorator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.rest.FileUpload;
import org.apache.flink.runtime.rest.RestClient;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.util.RestConstants;
import org.apache.flink.runtime.webmonitor.handlers.JarDeleteHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarDeleteMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarRunHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarRunMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarRunRequestBody;
import org.apache.flink.runtime.webmonitor.handlers.JarRunResponseBody;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadResponseBody;
import org.apache.flink.util.SerializedThrowable;
import org.apache.flink.util.concurrent.ExecutorThreadFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts a job on a session cluster as a user's {@code flink run} would, but through REST: uploads
 * the jar, runs its entry class (for a restore: from a snapshot, with a claim mode), deletes the
 * uploaded jar, and waits until the job runs. A snapshot the job cannot start from is reported with
 * the reason a user can act on.
 */
final class RestJobSubmitter {

    private static final Logger LOG = LoggerFactory.getLogger(RestJobSubmitter.class);

    private final RestCalls calls;
    private final Configuration clientConfig;
    private final String host;
    private final int port;
    private final String pathPrefix;
    private final Duration submitTimeout;

    RestJobSubmitter(RestCalls calls, Configuration clientConfig, String host, int port, String pathPrefix, Duration submitTimeout) {
        this.calls = calls;
        this.clientConfig = clientConfig;
        this.host = host;
        this.port = port;
        this.pathPrefix = pathPrefix;
        this.submitTimeout = submitTimeout;
    }

    JobID submit(JobSubmission submission, ProgressListener progress) throws Exception {
        if (!Files.isRegularFile(submission.jar())) {
            throw new NoSuchFileException(submission.jar().toString(), null, "no such job jar");
        }
        // our own job id: should the client resend the run request, Flink refuses the duplicate instead of starting a second job
        JobID job = new JobID();
        String program = submission.entryClass() + " from " + submission.jar().getFileName();
        RestWait wait = calls.waitFor("job " + job + " to start", submitTimeout, progress, "");
        String jarId = upload(submission, new RestWait("upload of " + submission.jar().getFileName(), wait));
        try {
            JarRunMessageParameters params = JarRunHeaders.getInstance().getUnresolvedMessageParameters();
            params.jarIdPathParameter.resolve(jarId);
            JarRunRequestBody body = new JarRunRequestBody(
                    submission.entryClass(),
                    null,
                    submission.programArguments(),
                    null,
                    job,
                    submission.allowNonRestoredState(),
                    submission.restorePath(),
                    null,
                    submission.claimMode(),
                    null);
            JarRunResponseBody response;
            try {
                // Flink answers once the job's JobMaster is initialized, i.e. once the snapshot to restore was read:
                // its problems arrive here, and the call may take as long as the submission may
                response = new RestWait("start of " + program, wait).callUntilDeadline(
                        calls.client().sendRequest(JarRunHeaders.getInstance(), params, body), null);
            } catch (SnapshotException e) {
                throw submission.restorePath() == null ? e
                        : FlinkFailures.snapshotProblem(e, cannotStart(job, submission)).orElse(e);
            }
            job = response.getJobId();
        } finally {
            deleteJar(jarId);
        }
        awaitRunning(job, submission, wait);
        LOG.info("Job {} ({}) is running", job, submission.entryClass());
        return job;
    }

    private String upload(JobSubmission submission, RestWait wait) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(new ExecutorThreadFactory("tidemark-jar-upload"));
        try (RestClient rest = new RestClient(clientConfig, executor)) {
            CompletableFuture<JarUploadResponseBody> upload;
            try {
                upload = rest.sendRequest(
                        host,
                        port,
                        new UrlPrefixDecorator<>(JarUploadHeaders.getInstance(), pathPrefix),
                        EmptyMessageParameters.getInstance(),
                        EmptyRequestBody.getInstance(),
                        List.of(new FileUpload(submission.jar(), RestConstants.CONTENT_TYPE_JAR)));
            } catch (IOException e) {
                upload = CompletableFuture.failedFuture(e);
            }
            String file = wait.call(upload, null).getFilename();
            return file.substring(file.lastIndexOf('/') + 1);
        } finally {
            executor.shutdownNow();
        }
    }

    /** Removes the uploaded jar from the cluster; the job has its own copy by now. */
    private void deleteJar(String jarId) {
        JarDeleteMessageParameters params = JarDeleteHeaders.getInstance().getUnresolvedMessageParameters();
        params.jarIdPathParameter.resolve(jarId);
        try {
            calls.call(calls.get(JarDeleteHeaders.getInstance(), params), "deleting the uploaded jar " + jarId, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Could not delete the uploaded jar {} from {}: {}", jarId, calls.address(), e.getMessage());
        }
    }

    private void awaitRunning(JobID job, JobSubmission submission, RestWait wait) throws Exception {
        while (true) {
            JobStatus status = wait.call(calls.client().getJobStatus(job), job);
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                throw startFailure(job, status, submission);
            }
            wait.pause();
        }
    }

    /** Why a submitted job ended before it ran; a snapshot it could not restore is the usual reason. */
    private Exception startFailure(JobID job, JobStatus status, JobSubmission submission) throws Exception {
        JobResult result = calls.call(calls.client().requestJobResult(job), "reading why job " + job + " ended", job);
        Optional<SerializedThrowable> error = result.getSerializedThrowable();
        if (error.isEmpty()) {
            return new SnapshotException(Reason.OPERATION_FAILED, "job " + job + " (" + submission.entryClass() + ") ended "
                    + status + " before it ran");
        }
        if (submission.restorePath() != null) {
            Optional<SnapshotException> problem = FlinkFailures.snapshotProblem(error.get(), cannotStart(job, submission));
            if (problem.isPresent()) {
                return problem.get();
            }
        }
        return new SnapshotException(Reason.OPERATION_FAILED, "job " + job + " (" + submission.entryClass() + ") "
                + status + " while starting: " + FlinkFailures.rootCause(error.get()), error.get());
    }

    private static String cannotStart(JobID job, JobSubmission submission) {
        String entryClass = submission.entryClass();
        return "job " + job + " (" + entryClass.substring(entryClass.lastIndexOf('.') + 1) + ") cannot start from " + submission.restorePath();
    }
}
