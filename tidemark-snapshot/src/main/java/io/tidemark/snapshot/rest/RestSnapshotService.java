package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobFailure;
import io.tidemark.snapshot.SnapshotPhase;
import io.tidemark.snapshot.JobObserver;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.runtime.highavailability.nonha.standalone.StandaloneClientHAServices;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The snapshot service over a Flink cluster's REST API, through Flink's own {@link RestClusterClient}
 * and message headers, as the Flink Kubernetes Operator calls it. Triggers return an id that is
 * polled here, so that progress is reported about once a second and the wait ends at the caller's
 * deadline; every other call is bounded by the call timeout. It also observes a running job
 * ({@link JobObserver}: recent checkpoints, Tidemark's metrics), which only the REST API can.
 *
 * <p>This class connects and delegates, one collaborator per role: {@link RestJobs} (listing, status),
 * {@link RestJobSubmitter} (upload and run), {@link RestSavepoints}, {@link RestCheckpoints}
 * (status, trigger), {@link RestCheckpointHistory}, {@link RestJobMetrics} and {@link RestJobFailures}; all of them call
 * through one {@link RestCalls}, which maps failures to {@link Reason}s.
 *
 * <p>Flink's client retries a connection that fails twenty times, three seconds apart; this one
 * retries twice, briefly, so that an address where nothing listens is reported as {@link
 * Reason#CLUSTER_UNREACHABLE} within about the call timeout.
 */
public final class RestSnapshotService implements SnapshotService, JobObserver {

    /** How long a plain call (a listing, a status, a trigger) may take when no timeout is given. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

    private static final int CONNECT_RETRIES = 2;
    private static final Duration CONNECT_RETRY_DELAY = Duration.ofMillis(200);

    private final RestCalls calls;
    private final RestJobs jobs;
    private final RestJobSubmitter submitter;
    private final RestSavepoints savepoints;
    private final RestCheckpoints checkpoints;
    private final RestCheckpointHistory history;
    private final RestJobMetrics metrics;

    private RestSnapshotService(
            String address,
            String host,
            int port,
            String pathPrefix,
            Configuration clientConfig,
            RestClusterClient<StandaloneClusterId> client,
            Duration callTimeout) {
        this.calls = new RestCalls(client, address, callTimeout);
        this.jobs = new RestJobs(calls);
        this.submitter = new RestJobSubmitter(calls, clientConfig, host, port, pathPrefix,
                clientConfig.get(RestSnapshotOptions.SUBMIT_TIMEOUT));
        this.savepoints = new RestSavepoints(calls, jobs, clientConfig.get(RestSnapshotOptions.DISPOSE_TIMEOUT));
        this.checkpoints = new RestCheckpoints(calls, jobs);
        this.history = new RestCheckpointHistory(calls, checkpoints);
        this.metrics = new RestJobMetrics(calls, jobs);
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
        return calls.address();
    }

    @Override
    public List<JobSummary> jobs() throws Exception {
        return jobs.jobs();
    }

    @Override
    public JobSummary job(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return jobs.job(job);
    }

    @Override
    public SavepointResult triggerSavepoint(JobID job, SavepointRequest request, ProgressListener progress) throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(request, "request cannot be null");
        checkNotNull(progress, "progress cannot be null");
        return savepoints.trigger(job, request, progress);
    }

    @Override
    public SavepointResult stopWithSavepoint(JobID job, SavepointRequest request, boolean drain, ProgressListener progress)
            throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(request, "request cannot be null");
        checkNotNull(progress, "progress cannot be null");
        return savepoints.stop(job, request, drain, progress);
    }

    @Override
    public long triggerCheckpoint(JobID job, ProgressListener progress) throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(progress, "progress cannot be null");
        return checkpoints.trigger(job, progress);
    }

    @Override
    public CheckpointStatus checkpointStatus(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return checkpoints.status(job);
    }

    @Override
    public void disposeSavepoint(String path, ProgressListener progress) throws Exception {
        checkNotNull(path, "path cannot be null");
        checkNotNull(progress, "progress cannot be null");
        savepoints.dispose(path, progress);
    }

    @Override
    public JobID submit(JobSubmission submission, ProgressListener progress) throws Exception {
        checkNotNull(submission, "submission cannot be null");
        checkNotNull(progress, "progress cannot be null");
        return submitter.submit(submission, progress);
    }

    @Override
    public List<RecentCheckpoint> recentCheckpoints(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return history.recent(job);
    }

    @Override
    public TidemarkMetrics tidemarkMetrics(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return metrics.read(job);
    }

    @Override
    public List<String> snapshotPaths(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return checkpoints.externalPaths(job);
    }

    @Override
    public SnapshotPhase snapshotPhase(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return RestSnapshotPhase.read(calls, jobs, job);
    }

    @Override
    public List<JobFailure> failures(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        return RestJobFailures.read(calls, job);
    }

    @Override
    public void close() {
        calls.client().close();
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }
}
