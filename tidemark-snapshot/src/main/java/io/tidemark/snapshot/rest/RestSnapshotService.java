package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.time.Deadline;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.client.program.rest.UrlPrefixDecorator;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.highavailability.nonha.standalone.StandaloneClientHAServices;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.rest.FileUpload;
import org.apache.flink.runtime.rest.RestClient;
import org.apache.flink.runtime.rest.handler.async.AsynchronousOperationInfo;
import org.apache.flink.runtime.rest.handler.async.TriggerResponse;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.TriggerId;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointConfigHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointConfigInfo;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointInfo;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatusHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatusMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointTriggerHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointTriggerMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointTriggerRequestBody;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
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
import org.apache.flink.runtime.rest.messages.queue.AsynchronouslyCreatedResource;
import org.apache.flink.runtime.rest.messages.queue.QueueStatus;
import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.runtime.rest.util.RestConstants;
import org.apache.flink.runtime.rest.util.RestMapperUtils;
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

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The snapshot service over a Flink cluster's REST API, through Flink's own {@link RestClusterClient}
 * and message headers, as the Flink Kubernetes Operator calls it. Triggers return an id that this
 * class polls itself, so that it can report progress about once a second and give up at the
 * caller's deadline; every other call is bounded by the call timeout.
 *
 * <p>Flink's client retries a connection that fails twenty times, three seconds apart; this one
 * retries twice, briefly, so that an address where nothing listens is reported as {@link
 * Reason#CLUSTER_UNREACHABLE} within about the call timeout.
 */
public final class RestSnapshotService implements SnapshotService {

    /** How long a plain call (a listing, a status, a trigger) may take when no timeout is given. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(RestSnapshotService.class);

    private static final Duration FIRST_POLL_PAUSE = Duration.ofMillis(50);
    private static final Duration MAX_POLL_PAUSE = Duration.ofMillis(500);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);
    private static final int CONNECT_RETRIES = 2;
    private static final Duration CONNECT_RETRY_DELAY = Duration.ofMillis(200);

    private final String address;
    private final String host;
    private final int port;
    private final String pathPrefix;
    private final Configuration clientConfig;
    private final RestClusterClient<StandaloneClusterId> client;
    private final Duration callTimeout;
    private final Duration submitTimeout;
    private final Duration disposeTimeout;

    private RestSnapshotService(
            String address,
            String host,
            int port,
            String pathPrefix,
            Configuration clientConfig,
            RestClusterClient<StandaloneClusterId> client,
            Duration callTimeout) {
        this.address = address;
        this.host = host;
        this.port = port;
        this.pathPrefix = pathPrefix;
        this.clientConfig = clientConfig;
        this.client = client;
        this.callTimeout = callTimeout;
        this.submitTimeout = clientConfig.get(RestSnapshotOptions.SUBMIT_TIMEOUT);
        this.disposeTimeout = clientConfig.get(RestSnapshotOptions.DISPOSE_TIMEOUT);
    }

    /** Connects to the REST endpoint at {@code restAddress} with the default call timeout. */
    public static RestSnapshotService connect(URI restAddress) {
        return connect(restAddress, new Configuration(), DEFAULT_CALL_TIMEOUT);
    }

    /**
     * Connects to the REST endpoint at {@code restAddress} ({@code http(s)://host:port}, optionally
     * with a path prefix when a proxy serves Flink under one; without a port, 80 or 443).
     * Nothing is sent until the first call. {@code extraConf} carries Flink client options (SSL
     * trust store, {@code rest.*} retries and timeouts, which override the short ones set here) and
     * {@link RestSnapshotOptions}.
     */
    public static RestSnapshotService connect(URI restAddress, Configuration extraConf, Duration callTimeout) {
        checkNotNull(restAddress, "restAddress cannot be null");
        checkNotNull(extraConf, "extraConf cannot be null");
        checkNotNull(callTimeout, "callTimeout cannot be null");
        checkArgument(!callTimeout.isNegative() && !callTimeout.isZero(), "callTimeout must be positive: %s", callTimeout);
        String scheme = restAddress.getScheme() == null ? "" : restAddress.getScheme().toLowerCase(Locale.ROOT);
        checkArgument(scheme.equals("http") || scheme.equals("https"),
                "the REST address must be an http(s) URL such as http://jobmanager:8081, not %s", restAddress);
        checkArgument(restAddress.getHost() != null, "the REST address %s names no host", restAddress);
        String host = restAddress.getHost();
        int port = restAddress.getPort() >= 0 ? restAddress.getPort() : scheme.equals("https") ? 443 : 80;
        String path = restAddress.getRawPath() == null ? "" : restAddress.getRawPath().replaceAll("/+$", "");
        String base = scheme + "://" + host + ":" + port;

        Configuration config = new Configuration();
        config.set(RestOptions.RETRY_MAX_ATTEMPTS, CONNECT_RETRIES);
        config.set(RestOptions.RETRY_DELAY, CONNECT_RETRY_DELAY);
        config.set(RestOptions.CONNECTION_TIMEOUT, clamp(callTimeout.dividedBy(CONNECT_RETRIES + 2), Duration.ofSeconds(1), Duration.ofSeconds(10)));
        config.set(RestOptions.AWAIT_LEADER_TIMEOUT, callTimeout);
        config.addAll(extraConf);
        config.set(RestOptions.ADDRESS, host);
        config.set(RestOptions.PORT, port);
        config.set(RestOptions.PATH, path);
        config.set(JobManagerOptions.ADDRESS, host);
        if (scheme.equals("https")) {
            config.set(SecurityOptions.SSL_REST_ENABLED, true);
        }
        try {
            RestClusterClient<StandaloneClusterId> client = new RestClusterClient<>(
                    config, StandaloneClusterId.getInstance(), (conf, errorHandler) -> new StandaloneClientHAServices(base));
            return new RestSnapshotService(base + path, host, port, path, config, client, callTimeout);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot set up a REST client for " + base + path + ": " + e.getMessage(), e);
        }
    }

    /** The REST endpoint this service talks to, as its messages name it. */
    public String address() {
        return address;
    }

    @Override
    public List<JobSummary> jobs() throws Exception {
        Collection<JobStatusMessage> jobs = call(client.listJobs(), "listing the jobs", null);
        return jobs.stream()
                .map(j -> new JobSummary(j.getJobId(), j.getJobName(), j.getJobState(), Instant.ofEpochMilli(j.getStartTime())))
                .sorted(Comparator.comparing(JobSummary::startTime).reversed())
                .toList();
    }

    @Override
    public JobSummary job(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        JobDetailsInfo details = call(client.getJobDetails(job), "reading job " + job, job);
        // the details come from a cache that lags by up to web.refresh-interval; the status endpoint does not
        JobStatus status = call(client.getJobStatus(job), "reading the status of job " + job, job);
        return new JobSummary(details.getJobId(), details.getName(), status, Instant.ofEpochMilli(details.getStartTime()));
    }

    @Override
    public SavepointResult triggerSavepoint(JobID job, SavepointRequest request, ProgressListener progress) throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(request, "request cannot be null");
        checkNotNull(progress, "progress cannot be null");
        Wait wait = new Wait("savepoint of job " + job, request.timeout(), progress, "; it may still complete on the cluster");
        requireRunning(job, "take a savepoint of", wait);
        SavepointTriggerMessageParameters params = SavepointTriggerHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobID.resolve(job);
        // our own trigger id: should the client resend the request, Flink takes it for the same savepoint
        SavepointTriggerRequestBody body = new SavepointTriggerRequestBody(request.targetDirectory(), false, request.format(), new TriggerId());
        TriggerResponse trigger = wait.call(client.sendRequest(SavepointTriggerHeaders.getInstance(), params, body), job);
        String path = savepointPath(job, awaitSavepoint(job, trigger.getTriggerId(), wait));
        LOG.info("Savepoint of job {} complete at {}", job, path);
        return new SavepointResult(job, path, wait.elapsed());
    }

    @Override
    public SavepointResult stopWithSavepoint(JobID job, SavepointRequest request, boolean drain, ProgressListener progress)
            throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(request, "request cannot be null");
        checkNotNull(progress, "progress cannot be null");
        Wait wait = new Wait("savepoint of job " + job, request.timeout(), progress,
                "; the savepoint may still complete and the job stop");
        requireRunning(job, "stop", wait);
        SavepointTriggerMessageParameters params = StopWithSavepointTriggerHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobID.resolve(job);
        StopWithSavepointRequestBody body = new StopWithSavepointRequestBody(request.targetDirectory(), drain, request.format(), new TriggerId());
        TriggerResponse trigger = wait.call(client.sendRequest(StopWithSavepointTriggerHeaders.getInstance(), params, body), job);
        String path = savepointPath(job, awaitSavepoint(job, trigger.getTriggerId(), wait));

        Wait finishing = wait.then("job " + job + " to finish", "; its savepoint at " + path + " is complete");
        while (true) {
            JobStatus status = finishing.call(client.getJobStatus(job), job);
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

    @Override
    public long triggerCheckpoint(JobID job, ProgressListener progress) throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(progress, "progress cannot be null");
        requireRunning(job, "checkpoint", new Wait("checkpoint of job " + job, callTimeout, progress, ""));
        // Flink aborts a checkpoint that runs past the job's checkpoint timeout: no need to wait longer
        Duration limit = checkpointConfig(job).timeout().plus(callTimeout);
        Wait wait = new Wait("checkpoint of job " + job, limit, progress, "");
        CheckpointTriggerMessageParameters params = CheckpointTriggerHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobID.resolve(job);
        CheckpointTriggerRequestBody body = new CheckpointTriggerRequestBody(CheckpointType.FULL, new TriggerId());
        TriggerId trigger = wait.call(client.sendRequest(CheckpointTriggerHeaders.getInstance(), params, body), job).getTriggerId();

        CheckpointStatusMessageParameters status = CheckpointStatusHeaders.getInstance().getUnresolvedMessageParameters();
        status.jobIdPathParameter.resolve(job);
        status.triggerIdPathParameter.resolve(trigger);
        CheckpointInfo info = poll(wait, () -> client.sendRequest(CheckpointStatusHeaders.getInstance(), status, EmptyRequestBody.getInstance()));
        if (info.getFailureCause() != null) {
            throw operationFailure(job, "checkpoint of job " + job, info.getFailureCause());
        }
        LOG.info("Checkpoint {} of job {} complete", info.getCheckpointId(), job);
        return info.getCheckpointId();
    }

    @Override
    public CheckpointStatus checkpointStatus(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        JobMessageParameters params = CheckpointingStatisticsHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobPathParameter.resolve(job);
        CheckpointingStatistics stats = call(
                client.sendRequest(CheckpointingStatisticsHeaders.getInstance(), params, EmptyRequestBody.getInstance()),
                "reading the checkpoints of job " + job, job);
        CheckpointingStatistics.Counts counts = stats.getCounts();
        CheckpointingStatistics.LatestCheckpoints latest = stats.getLatestCheckpoints();
        CheckpointingStatistics.RestoredCheckpointStatistics restored = latest.getRestoredCheckpointStatistics();
        CheckpointStatistics.FailedCheckpointStatistics failed = latest.getFailedCheckpointStatistics();
        return new CheckpointStatus(
                job,
                new CheckpointStatus.Counts(
                        counts.getTotalNumberCheckpoints(),
                        counts.getNumberInProgressCheckpoints(),
                        counts.getNumberCompletedCheckpoints(),
                        counts.getNumberFailedCheckpoints(),
                        counts.getNumberRestoredCheckpoints()),
                completed(latest.getCompletedCheckpointStatistics()),
                completed(latest.getSavepointStatistics()),
                failed == null ? null : new CheckpointStatus.Failed(
                        failed.getId(), Instant.ofEpochMilli(failed.getFailureTimestamp()), failed.getFailureMessage()),
                restored == null ? null : new CheckpointStatus.Restored(
                        restored.getId(), Instant.ofEpochMilli(restored.getRestoreTimestamp()), restored.getExternalPath(), restored.isSavepoint()),
                checkpointConfig(job));
    }

    @Override
    public void disposeSavepoint(String path, ProgressListener progress) throws Exception {
        checkNotNull(path, "path cannot be null");
        checkNotNull(progress, "progress cannot be null");
        Wait wait = new Wait("disposal of savepoint " + path, disposeTimeout, progress, "; the cluster may still delete it");
        TriggerResponse trigger = wait.call(client.sendRequest(
                SavepointDisposalTriggerHeaders.getInstance(), EmptyMessageParameters.getInstance(), new SavepointDisposalRequest(path)), null);
        SavepointDisposalStatusMessageParameters params = SavepointDisposalStatusHeaders.getInstance().getUnresolvedMessageParameters();
        params.triggerIdPathParameter.resolve(trigger.getTriggerId());
        AsynchronousOperationInfo info = poll(wait,
                () -> client.sendRequest(SavepointDisposalStatusHeaders.getInstance(), params, EmptyRequestBody.getInstance()));
        SerializedThrowable failure = info.getFailureCause();
        if (failure != null) {
            throw FlinkFailures.snapshotProblem(failure, "cannot dispose savepoint " + path)
                    .orElseGet(() -> new SnapshotException(Reason.OPERATION_FAILED,
                            "disposing savepoint " + path + " failed: " + FlinkFailures.rootCause(failure), failure));
        }
        LOG.info("Disposed savepoint {}", path);
    }

    @Override
    public JobID submit(JobSubmission submission, ProgressListener progress) throws Exception {
        checkNotNull(submission, "submission cannot be null");
        checkNotNull(progress, "progress cannot be null");
        if (!Files.isRegularFile(submission.jar())) {
            throw new NoSuchFileException(submission.jar().toString(), null, "no such job jar");
        }
        // our own job id: should the client resend the run request, Flink refuses the duplicate instead of starting a second job
        JobID job = new JobID();
        String program = submission.entryClass() + " from " + submission.jar().getFileName();
        Wait wait = new Wait("job " + job + " to start", submitTimeout, progress, "");
        String jarId = upload(submission, new Wait("upload of " + submission.jar().getFileName(), wait));
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
                response = new Wait("start of " + program, wait).callUntilDeadline(
                        client.sendRequest(JarRunHeaders.getInstance(), params, body), null);
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

    @Override
    public void close() {
        client.close();
    }

    private String upload(JobSubmission submission, Wait wait) throws Exception {
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
            call(client.sendRequest(JarDeleteHeaders.getInstance(), params, EmptyRequestBody.getInstance()), "deleting the uploaded jar " + jarId, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Could not delete the uploaded jar {} from {}: {}", jarId, address, e.getMessage());
        }
    }

    private void awaitRunning(JobID job, JobSubmission submission, Wait wait) throws Exception {
        while (true) {
            JobStatus status = wait.call(client.getJobStatus(job), job);
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
        JobResult result = call(client.requestJobResult(job), "reading why job " + job + " ended", job);
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

    /** Fails unless the job is known and not yet ended (Flink reports a savepoint of an ended job less clearly). */
    private void requireRunning(JobID job, String action, Wait wait) throws Exception {
        JobStatus status = wait.call(client.getJobStatus(job), job);
        if (status.isGloballyTerminalState()) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "cannot " + action + " job " + job + ": it is " + status
                    + " already; to run it again, restore it from its latest savepoint");
        }
    }

    private SavepointInfo awaitSavepoint(JobID job, TriggerId trigger, Wait wait) throws Exception {
        SavepointStatusMessageParameters params = SavepointStatusHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobIdPathParameter.resolve(job);
        params.triggerIdPathParameter.resolve(trigger);
        return poll(wait, () -> client.sendRequest(SavepointStatusHeaders.getInstance(), params, EmptyRequestBody.getInstance()));
    }

    private String savepointPath(JobID job, SavepointInfo info) throws SnapshotException {
        if (info.getFailureCause() != null) {
            throw operationFailure(job, "savepoint of job " + job, info.getFailureCause());
        }
        return info.getLocation();
    }

    private SnapshotException operationFailure(JobID job, String what, SerializedThrowable cause) {
        if (FlinkFailures.isJobNotFound(cause)) {
            return jobNotFound(job, cause);
        }
        return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: " + FlinkFailures.rootCause(cause), cause);
    }

    /** Polls an asynchronous operation until the cluster reports it completed (successfully or not). */
    private <R> R poll(Wait wait, Supplier<CompletableFuture<? extends AsynchronouslyCreatedResource<R>>> status) throws Exception {
        while (true) {
            AsynchronouslyCreatedResource<R> result = wait.call(status.get(), null);
            if (result.queueStatus().getId() == QueueStatus.Id.COMPLETED) {
                return result.resource();
            }
            wait.pause();
        }
    }

    private CheckpointStatus.Config checkpointConfig(JobID job) throws Exception {
        JobMessageParameters params = CheckpointConfigHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobPathParameter.resolve(job);
        CheckpointConfigInfo info = call(
                client.sendRequest(CheckpointConfigHeaders.getInstance(), params, EmptyRequestBody.getInstance()),
                "reading the checkpoint configuration of job " + job, job);
        // CheckpointConfigInfo has no getters; its JSON fields are the documented REST API
        JsonNode config = RestMapperUtils.getStrictObjectMapper().valueToTree(info);
        JsonNode externalization = config.path(CheckpointConfigInfo.FIELD_NAME_EXTERNALIZED_CHECKPOINT_CONFIG);
        boolean externalized = externalization.path(CheckpointConfigInfo.ExternalizedCheckpointInfo.FIELD_NAME_ENABLED).asBoolean();
        long interval = config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_INTERVAL).asLong();
        return new CheckpointStatus.Config(
                config.path(CheckpointConfigInfo.FIELD_NAME_PROCESSING_MODE).asText().toUpperCase(Locale.ROOT),
                interval == Long.MAX_VALUE ? Duration.ZERO : Duration.ofMillis(interval),
                Duration.ofMillis(config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_TIMEOUT).asLong()),
                Duration.ofMillis(config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_MIN_PAUSE).asLong()),
                config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_MAX_CONCURRENT).asInt(),
                externalized,
                externalized && !externalization.path(CheckpointConfigInfo.ExternalizedCheckpointInfo.FIELD_NAME_DELETE_ON_CANCELLATION).asBoolean(),
                textOrNull(config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_STORAGE)),
                textOrNull(config.path(CheckpointConfigInfo.FIELD_NAME_STATE_BACKEND)));
    }

    @Nullable
    private static CheckpointStatus.Completed completed(@Nullable CheckpointStatistics.CompletedCheckpointStatistics stats) {
        if (stats == null) {
            return null;
        }
        return new CheckpointStatus.Completed(
                stats.getId(),
                Instant.ofEpochMilli(stats.getLatestAckTimestamp()),
                stats.getExternalPath(),
                stats.getStateSize(),
                Duration.ofMillis(stats.getDuration()));
    }

    @Nullable
    private static String textOrNull(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    /** Waits for one call, at most the call timeout. */
    private <T> T call(CompletableFuture<T> future, String what, @Nullable JobID job) throws Exception {
        return await(future, callTimeout, () -> what + ": the cluster at " + address + " did not answer within " + format(callTimeout), what, job);
    }

    private <T> T await(CompletableFuture<T> future, Duration limit, Supplier<String> timeoutMessage, String what, @Nullable JobID job)
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

    /** The failure of a call as the exception to report: unreachable, unknown job, or Flink's one-line reason. */
    private Exception failure(Throwable error, String what, @Nullable JobID job) {
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

    private SnapshotException jobNotFound(JobID job, Throwable cause) {
        return new SnapshotException(Reason.JOB_NOT_FOUND, "job " + job + " is not known to the cluster at " + address
                + "; check the id against the cluster's jobs (Flink's Web UI, or 'flink list')", cause);
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }

    /** 250ms, 1.5s, 30s. */
    private static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }

    /**
     * One long wait: its deadline, the progress it reports about once a second, and the pause
     * between polls, which grows from 50 ms to 500 ms so that quick operations return quickly.
     */
    private final class Wait {
        private final String what;
        private final Duration limit;
        private final Deadline deadline;
        private final long startedNanos;
        private final ProgressListener progress;
        private final String timeoutNote;
        private Duration pause = FIRST_POLL_PAUSE;
        private long nextReportNanos = PROGRESS_EVERY.toNanos();

        Wait(String what, Duration limit, ProgressListener progress, String timeoutNote) {
            this(what, limit, Deadline.fromNow(limit), System.nanoTime(), progress, timeoutNote);
        }

        /** A step of {@code outer} (an upload in a submission) that shares its deadline and progress. */
        Wait(String what, Wait outer) {
            this(what, outer.limit, outer.deadline, outer.startedNanos, outer.progress, outer.timeoutNote);
        }

        private Wait(String what, Duration limit, Deadline deadline, long startedNanos, ProgressListener progress, String timeoutNote) {
            this.what = what;
            this.limit = limit;
            this.deadline = deadline;
            this.startedNanos = startedNanos;
            this.progress = progress;
            this.timeoutNote = timeoutNote;
        }

        /** The next step of the same wait, under the same deadline. */
        Wait then(String nextWhat, String nextTimeoutNote) {
            Wait next = new Wait(nextWhat, limit, deadline, startedNanos, progress, nextTimeoutNote);
            next.nextReportNanos = nextReportNanos;
            return next;
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }

        /** One call within the wait: at most the call timeout, and never past the deadline. */
        <T> T call(CompletableFuture<T> future, @Nullable JobID job) throws Exception {
            Duration left = deadline.timeLeft();
            boolean deadlineBound = left.compareTo(callTimeout) < 0;
            Duration bound = deadlineBound ? left : callTimeout;
            return await(future, bound, () -> deadlineBound ? timedOut() : what + ": the cluster at " + address
                    + " did not answer within " + format(callTimeout), what, job);
        }

        /** One call that may take as long as the wait has left. */
        <T> T callUntilDeadline(CompletableFuture<T> future, @Nullable JobID job) throws Exception {
            return await(future, deadline.timeLeft(), this::timedOut, what, job);
        }

        /** Sleeps until the next poll, reporting progress; a {@link TimeoutException} once the deadline has passed. */
        void pause() throws Exception {
            if (!deadline.hasTimeLeft()) {
                throw new TimeoutException(timedOut());
            }
            Duration left = deadline.timeLeft();
            Thread.sleep(Math.max(1, (left.compareTo(pause) < 0 ? left : pause).toMillis()));
            pause = pause.multipliedBy(2).compareTo(MAX_POLL_PAUSE) > 0 ? MAX_POLL_PAUSE : pause.multipliedBy(2);
            long elapsed = System.nanoTime() - startedNanos;
            if (elapsed >= nextReportNanos) {
                progress.waiting(what, Duration.ofNanos(elapsed));
                nextReportNanos = (elapsed / PROGRESS_EVERY.toNanos() + 1) * PROGRESS_EVERY.toNanos();
            }
        }

        private String timedOut() {
            return what + " did not complete within " + format(limit) + timeoutNote;
        }
    }
}
