package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.kubernetes.operator.api.CrdConstants;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkStateSnapshot;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.status.Checkpoint;
import org.apache.flink.kubernetes.operator.api.status.FlinkDeploymentStatus;
import org.apache.flink.kubernetes.operator.api.status.FlinkStateSnapshotStatus;
import org.apache.flink.kubernetes.operator.api.status.Savepoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The snapshot service of one FlinkDeployment that the Flink Kubernetes Operator runs, through the
 * Kubernetes API only: it asks the operator (a FlinkStateSnapshot resource, or a change of the
 * FlinkDeployment's spec) and waits until the operator reports the result in their status, polling
 * with progress about once a second. This is the CLI's {@code --target kubernetes}: the operator
 * owns the job, so the job is stopped, restored and snapshotted the operator's way, not behind its
 * back through Flink's REST API.
 *
 * <p>What each operation does here:
 * <ul>
 *   <li>{@link #jobs()} and {@link #job}: the deployment's one job, from {@code status.jobStatus}.
 *   <li>{@link #triggerSavepoint} and {@link #triggerCheckpoint}: a FlinkStateSnapshot resource
 *       (operator 1.10 and later; {@link Mode#SNAPSHOT_RESOURCE}), or a new value of {@code
 *       spec.job.savepointTriggerNonce}/{@code checkpointTriggerNonce} ({@link Mode#LEGACY_NONCE}).
 *       With the nonce, the request's target directory and format are not the caller's to choose:
 *       the operator uses the deployment's {@code execution.checkpointing.savepoint-dir} and {@code
 *       kubernetes.operator.savepoint.format.type}. The resources Tidemark creates stay after the
 *       savepoint, as the operator's record of it (their {@code disposeOnDelete} is false).
 *   <li>{@link #stopWithSavepoint}: {@code spec.job.state: suspended} with {@code upgradeMode:
 *       savepoint}, the operator's stop-with-savepoint; the path is the status's {@code
 *       upgradeSavepointPath}. The upgrade mode stays savepoint, so that resuming the deployment
 *       starts from this savepoint. Directory and format are the deployment's (as above); {@code
 *       drain} only where the deployment sets {@code kubernetes.operator.job.drain-on-savepoint-deletion}.
 *   <li>{@link #checkpointStatus}: refused; the Kubernetes API carries no checkpoint statistics
 *       (use the REST target).
 *   <li>{@link #disposeSavepoint}: deletes the FlinkStateSnapshot that records the path, with
 *       {@code disposeOnDelete} set first, so that the operator disposes of the data through the
 *       running job; refused where no such resource exists.
 *   <li>{@link #submit}: a restore; see there.
 * </ul>
 *
 * <p>Changes to the FlinkDeployment are JSON merge patches of the few fields involved, guarded by
 * the resourceVersion they were computed from: a full update with this operator API model would
 * drop the fields of newer operators it does not know.
 */
public final class OperatorSnapshotService implements SnapshotService {

    /** How snapshots are asked for. */
    public enum Mode {
        /**
         * FlinkStateSnapshot resources where the cluster has their CRD, else the nonces: decided by
         * the first snapshot, from the API server's 404 for the kind.
         */
        AUTO,
        /** FlinkStateSnapshot resources (operator 1.10 and later, {@code kubernetes.operator.snapshot.resource.enabled}). */
        SNAPSHOT_RESOURCE,
        /**
         * The FlinkDeployment's {@code savepointTriggerNonce} and {@code checkpointTriggerNonce}
         * (operators before 1.10; deprecated since). Where the operator turns the nonce into a
         * FlinkStateSnapshot, that resource is followed.
         */
        LEGACY_NONCE
    }

    /** The label that says Tidemark created a FlinkStateSnapshot. */
    public static final String CREATED_BY_LABEL = "app.kubernetes.io/created-by";

    public static final String CREATED_BY_VALUE = "tidemark";

    /** How long a plain call (a read, a patch, a create) may take when no timeout is given. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

    /** The operator's option that makes its stop-with-savepoint drain the job. */
    static final String DRAIN_OPTION = "kubernetes.operator.job.drain-on-savepoint-deletion";

    /** The operator's upgradeSavepointPath after a last-state upgrade: no savepoint. */
    private static final String LAST_STATE_PATH = "KUBERNETES_OPERATOR_LAST_STATE";

    private static final Logger LOG = LoggerFactory.getLogger(OperatorSnapshotService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CHECKPOINT_DIR = Pattern.compile("(?:^|/)chk-(\\d+)/*$");
    private static final int PATCH_ATTEMPTS = 3;
    private static final Duration DEFAULT_CHECKPOINT_TIMEOUT = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final KubernetesCalls calls;
    private final FlinkStateSnapshots snapshots;
    private final String namespace;
    private final String deployment;
    private final Mode mode;
    private final Duration submitTimeout;
    private final Duration disposeTimeout;
    /** In {@link Mode#AUTO}: whether the cluster knows FlinkStateSnapshot, once a call has shown it; null before. */
    private volatile Boolean snapshotResources;

    /** A service for FlinkDeployment {@code namespace/deployment} with the default timeouts; the client stays the caller's. */
    public OperatorSnapshotService(KubernetesClient client, String namespace, String deployment, Mode mode, Duration callTimeout) {
        this(client, namespace, deployment, mode, callTimeout, new Configuration());
    }

    /**
     * A service for FlinkDeployment {@code namespace/deployment}; {@code options} carries {@link
     * OperatorSnapshotOptions}. Nothing is sent until the first call; the client stays the caller's.
     */
    public OperatorSnapshotService(
            KubernetesClient client, String namespace, String deployment, Mode mode, Duration callTimeout, Configuration options) {
        this(client, false, namespace, deployment, mode, callTimeout, options);
    }

    private OperatorSnapshotService(
            KubernetesClient client,
            boolean ownsClient,
            String namespace,
            String deployment,
            Mode mode,
            Duration callTimeout,
            Configuration options) {
        this.client = checkNotNull(client, "client cannot be null");
        this.namespace = checkNotNull(namespace, "namespace cannot be null");
        this.deployment = checkNotNull(deployment, "deployment cannot be null");
        this.mode = checkNotNull(mode, "mode cannot be null");
        checkNotNull(callTimeout, "callTimeout cannot be null");
        checkNotNull(options, "options cannot be null");
        checkArgument(!callTimeout.isNegative() && !callTimeout.isZero(), "callTimeout must be positive: %s", callTimeout);
        checkArgument(!namespace.isBlank() && !deployment.isBlank(), "namespace and deployment cannot be blank");
        this.ownsClient = ownsClient;
        this.calls = new KubernetesCalls(client, namespace, callTimeout);
        this.snapshots = new FlinkStateSnapshots(calls, namespace, deployment);
        this.submitTimeout = options.get(OperatorSnapshotOptions.SUBMIT_TIMEOUT);
        this.disposeTimeout = options.get(OperatorSnapshotOptions.DISPOSE_TIMEOUT);
    }

    /** A service that closes {@code client} when it is closed: for {@link OperatorTarget}, which built the client. */
    static OperatorSnapshotService owning(
            KubernetesClient client, String namespace, String deployment, Mode mode, Duration callTimeout, Configuration options) {
        return new OperatorSnapshotService(client, true, namespace, deployment, mode, callTimeout, options);
    }

    public String namespace() {
        return namespace;
    }

    public String deployment() {
        return deployment;
    }

    public Mode mode() {
        return mode;
    }

    /** The Kubernetes API server this service talks to, as its messages name it. */
    public String apiAddress() {
        return calls.apiAddress();
    }

    /**
     * The deployment's job, if it has one yet: a FlinkDeployment runs one job (application mode).
     * A job the operator has not observed yet is RECONCILING; its start time is null until known.
     */
    @Override
    public List<JobSummary> jobs() throws Exception {
        FlinkDeployment d = requireDeployment(null);
        org.apache.flink.kubernetes.operator.api.status.JobStatus job = jobStatus(d);
        if (job == null || isBlank(job.getJobId())) {
            return List.of();
        }
        return List.of(summary(job));
    }

    /** The deployment's job; {@link Reason#JOB_NOT_FOUND} if {@code job} is not the deployment's current job. */
    @Override
    public JobSummary job(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        FlinkDeployment d = requireDeployment(null);
        requireJob(d, job);
        return summary(jobStatus(d));
    }

    @Override
    public SavepointResult triggerSavepoint(JobID job, SavepointRequest request, ProgressListener progress) throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(request, "request cannot be null");
        checkNotNull(progress, "progress cannot be null");
        Wait wait = new Wait("savepoint of job " + job, request.timeout(), progress);
        FlinkDeployment d = requireDeployment(wait);
        requireJob(d, job);
        requireRunning(d, job, "take a savepoint of");
        if (useSnapshotResources()) {
            Optional<String> name = createSnapshot(SnapshotKind.SAVEPOINT, job, request, wait);
            if (name.isPresent()) {
                FlinkStateSnapshotStatus status = snapshots.await(name.get(), "savepoint of job " + job, wait);
                if (isBlank(status.getPath())) {
                    throw new SnapshotException(Reason.OPERATION_FAILED, "savepoint of job " + job + " completed without a path"
                            + " (FlinkStateSnapshot " + ref(name.get()) + "); see kubectl -n " + namespace + " describe flinkstatesnapshot " + name.get());
                }
                LOG.info("Savepoint of job {} complete at {} (FlinkStateSnapshot {})", job, status.getPath(), ref(name.get()));
                return new SavepointResult(job, status.getPath(), wait.elapsed());
            }
        }
        warnIgnoredTarget(d, request, "savepoint");
        String path = legacyTrigger(SnapshotKind.SAVEPOINT, job, wait).orElseThrow();
        LOG.info("Savepoint of job {} complete at {} (savepointTriggerNonce of FlinkDeployment {})", job, path, ref(deployment));
        return new SavepointResult(job, path, wait.elapsed());
    }

    /**
     * Suspends the deployment with a savepoint: {@code spec.job.state: suspended} and {@code
     * upgradeMode: savepoint}; returns the status's {@code upgradeSavepointPath} once the job has
     * finished. The spec stays suspended whatever happens next, so that the operator finishes (or
     * retries) the stop; a failure or timeout says so.
     */
    @Override
    public SavepointResult stopWithSavepoint(JobID job, SavepointRequest request, boolean drain, ProgressListener progress)
            throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(request, "request cannot be null");
        checkNotNull(progress, "progress cannot be null");
        Wait wait = new Wait("stop of job " + job + " with a savepoint", request.timeout(), progress);
        FlinkDeployment d = requireDeployment(wait);
        requireJob(d, job);
        boolean drains = Boolean.parseBoolean(flinkConfiguration(d).getOrDefault(DRAIN_OPTION, "false").strip());
        if (drain && !drains) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "--drain is not supported for --target kubernetes unless"
                    + " FlinkDeployment " + ref(deployment) + " sets " + DRAIN_OPTION + ": \"true\" in spec.flinkConfiguration"
                    + " (the operator decides whether its stop drains); job " + job + " was not stopped");
        }
        if (!drain && drains) {
            LOG.warn("FlinkDeployment {} sets {}: the operator drains job {} before its savepoint", ref(deployment), DRAIN_OPTION, job);
        }
        requireRunning(d, job, "stop");
        warnIgnoredTarget(d, request, "stop");

        Patched patched = patchJob("stopping job " + job + " of FlinkDeployment " + ref(deployment),
                current -> Map.of("state", "suspended", "upgradeMode", "savepoint"), wait);
        String pathBefore = jobStatus(patched.before()) == null ? null : jobStatus(patched.before()).getUpgradeSavepointPath();
        String errorBefore = error(patched.before());
        long generation = generation(patched.after());
        AtomicReference<FlinkDeployment> last = new AtomicReference<>(patched.after());
        wait.timeoutNote(() -> "; spec.job.state of FlinkDeployment " + ref(deployment)
                + " stays suspended and the operator may still stop the job" + reported(last.get()));
        while (true) {
            FlinkDeployment current = requireDeployment(wait);
            last.set(current);
            org.apache.flink.kubernetes.operator.api.status.JobStatus status = jobStatus(current);
            String path = status == null ? null : status.getUpgradeSavepointPath();
            JobStatus state = status == null ? null : status.getState();
            if (!isBlank(path) && !path.equals(pathBefore) && !LAST_STATE_PATH.equals(path) && observed(current, generation)
                    && (state == JobStatus.FINISHED || state == JobStatus.SUSPENDED)) {
                LOG.info("Job {} stopped with a savepoint at {} (FlinkDeployment {} suspended)", job, path, ref(deployment));
                return new SavepointResult(job, path, wait.elapsed());
            }
            String error = error(current);
            if (error != null && !error.equals(errorBefore)) {
                throw new SnapshotException(Reason.OPERATION_FAILED, "stopping job " + job + " with a savepoint failed: "
                        + OperatorErrors.oneLine(error) + "; spec.job.state of FlinkDeployment " + ref(deployment)
                        + " stays suspended, so the operator will try again: set it back to running to keep the job");
            }
            wait.pause();
        }
    }

    /**
     * Triggers a checkpoint and returns its id, which the operator only reports as part of the
     * checkpoint's path ({@code .../chk-42}): a FlinkStateSnapshot whose path the operator could
     * not learn, or a legacy nonce (whose status records no id at all), ends in a {@link
     * SnapshotException} that says the checkpoint completed but its id is unknown.
     */
    @Override
    public long triggerCheckpoint(JobID job, ProgressListener progress) throws Exception {
        checkNotNull(job, "job cannot be null");
        checkNotNull(progress, "progress cannot be null");
        FlinkDeployment d = requireDeployment(null);
        requireJob(d, job);
        requireRunning(d, job, "checkpoint");
        // Flink aborts a checkpoint that runs past the job's checkpoint timeout: no need to wait longer
        Duration limit = checkpointTimeout(d).plus(calls.callTimeout());
        Wait wait = new Wait("checkpoint of job " + job, limit, progress);
        if (useSnapshotResources()) {
            Optional<String> name = createSnapshot(SnapshotKind.CHECKPOINT, job, null, wait);
            if (name.isPresent()) {
                FlinkStateSnapshotStatus status = snapshots.await(name.get(), "checkpoint of job " + job, wait);
                long id = checkpointId(job, status.getPath(), "FlinkStateSnapshot " + ref(name.get()));
                LOG.info("Checkpoint {} of job {} complete (FlinkStateSnapshot {})", id, job, ref(name.get()));
                return id;
            }
        }
        Optional<String> path = legacyTrigger(SnapshotKind.CHECKPOINT, job, wait);
        return checkpointId(job, path.orElse(null), "checkpointTriggerNonce of FlinkDeployment " + ref(deployment));
    }

    /**
     * Refused: the operator does not put a job's checkpoint statistics (counts, latest completed and
     * failed checkpoints, what it restored from) into any resource's status. A wrong job id is
     * still {@link Reason#JOB_NOT_FOUND}.
     */
    @Override
    public CheckpointStatus checkpointStatus(JobID job) throws Exception {
        checkNotNull(job, "job cannot be null");
        requireJob(requireDeployment(null), job);
        throw new SnapshotException(Reason.OPERATION_FAILED, "checkpoint status needs the REST target: the Kubernetes API"
                + " has no checkpoint statistics of job " + job + "; reach its Flink REST API (kubectl -n " + namespace
                + " port-forward svc/" + deployment + "-rest 8081) and pass --rest-address http://localhost:8081");
    }

    /**
     * Disposes of a savepoint through the operator: the FlinkStateSnapshot of this deployment that
     * records {@code path} gets {@code disposeOnDelete: true} and is deleted; the operator deletes
     * the data through the running job before it lets the resource go, which is what this waits
     * for. Refused where no such resource exists (the legacy mode, an operator before 1.10, a
     * savepoint taken another way) or the job is not running: then dispose of it from storage.
     */
    @Override
    public void disposeSavepoint(String path, ProgressListener progress) throws Exception {
        checkNotNull(path, "path cannot be null");
        checkNotNull(progress, "progress cannot be null");
        Wait wait = new Wait("disposal of savepoint " + path, disposeTimeout, progress);
        String fromStorage = "; dispose of it from storage instead (tidemark savepoint dispose " + path + " without --target kubernetes)";
        if (mode == Mode.LEGACY_NONCE) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "cannot dispose of savepoint " + path + " through the operator"
                    + " in the legacy nonce mode: only FlinkStateSnapshot resources let the operator dispose of savepoints" + fromStorage);
        }
        Optional<List<FlinkStateSnapshot>> all = snapshotResources(wait);
        if (all.isEmpty()) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "cannot dispose of savepoint " + path + " through the operator:"
                    + " the Kubernetes API at " + calls.apiAddress() + " has no FlinkStateSnapshot resources (operator before 1.10)"
                    + fromStorage);
        }
        List<FlinkStateSnapshot> recording = all.get().stream()
                .filter(s -> s.getSpec() != null && s.getSpec().isSavepoint() && s.getStatus() != null
                        && samePath(s.getStatus().getPath(), path) && !s.isMarkedForDeletion())
                .toList();
        if (recording.isEmpty()) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "no FlinkStateSnapshot in namespace " + namespace
                    + " records savepoint " + path + ", so the operator cannot dispose of it" + fromStorage);
        }
        FlinkStateSnapshot chosen = recording.stream()
                .filter(s -> s.getStatus().getState() == FlinkStateSnapshotStatus.State.COMPLETED)
                .findFirst()
                .orElseThrow(() -> new SnapshotException(Reason.OPERATION_FAILED, "FlinkStateSnapshot "
                        + ref(recording.get(0).getMetadata().getName()) + " records savepoint " + path + " but is "
                        + recording.get(0).getStatus().getState() + "; the operator disposes only of completed savepoints" + fromStorage));
        String name = chosen.getMetadata().getName();
        if (!snapshots.references(chosen)) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "savepoint " + path + " belongs to another job: FlinkStateSnapshot "
                    + ref(name) + " references " + chosen.getSpec().getJobReference() + "; use its --deployment");
        }
        FlinkDeployment d = requireDeployment(wait);
        JobStatus state = jobStatus(d) == null ? null : jobStatus(d).getState();
        if (state != JobStatus.RUNNING) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "the operator disposes of savepoints through the running job,"
                    + " and the job of FlinkDeployment " + ref(deployment) + " is " + (state == null ? "not running" : state) + fromStorage);
        }

        snapshots.disposeOnDelete(name, true, wait);
        for (FlinkStateSnapshot other : recording) {
            // the data goes with the chosen one: the others must not try to dispose of it again
            if (other != chosen) {
                snapshots.disposeOnDelete(other.getMetadata().getName(), false, wait);
                snapshots.delete(other.getMetadata().getName(), wait);
            }
        }
        snapshots.delete(name, wait);
        wait.timeoutNote(() -> "; FlinkStateSnapshot " + ref(name) + " is marked for deletion and the operator keeps trying"
                + " (kubectl -n " + namespace + " describe flinkstatesnapshot " + name + " shows why)");
        while (snapshots.get(name, wait) != null) {
            wait.pause();
        }
        LOG.info("Disposed of savepoint {} (FlinkStateSnapshot {} deleted by the operator)", path, ref(name));
    }

    /**
     * Restores the deployment from {@code submission.restorePath()}, the operator's way: {@code
     * spec.job.initialSavepointPath} set to it, {@code savepointRedeployNonce} incremented (operator
     * 1.8 and later: redeploys from that path whether the job runs or not), {@code state: running}
     * and {@code allowNonRestoredState}; then waits until the deployment runs a new job, and returns
     * its id. An error the operator reports meanwhile fails the restore. A job that still runs is
     * cancelled without a savepoint first (that is the operator's redeploy): stop it with a savepoint
     * before, if its latest state matters.
     *
     * <p>The FlinkDeployment defines the job: the submission's jar, entry class and program
     * arguments are ignored. So is its claim mode: the operator restores with the deployment's
     * {@code execution.state-recovery.claim-mode} (no-claim unless set). How long this waits is
     * {@link OperatorSnapshotOptions#SUBMIT_TIMEOUT}.
     */
    @Override
    public JobID submit(JobSubmission submission, ProgressListener progress) throws Exception {
        checkNotNull(submission, "submission cannot be null");
        checkNotNull(progress, "progress cannot be null");
        String path = submission.restorePath();
        if (isBlank(path)) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "--target kubernetes only restores a FlinkDeployment from a"
                    + " savepoint or retained checkpoint: name one (the FlinkDeployment's spec defines everything else of the job)");
        }
        Wait wait = new Wait("job of FlinkDeployment " + ref(deployment) + " to start from " + path, submitTimeout, progress);
        FlinkDeployment d = requireDeployment(wait);
        Configuration conf = Configuration.fromMap(flinkConfiguration(d));
        RestoreMode claimMode = conf.get(StateRecoveryOptions.RESTORE_MODE);
        if (claimMode != submission.claimMode()) {
            LOG.warn("FlinkDeployment {} restores in claim mode {}, not {}: the operator uses the deployment's {}",
                    ref(deployment), claimMode, submission.claimMode(), StateRecoveryOptions.RESTORE_MODE.key());
        }
        boolean fixedJobId = conf.getOptional(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID).isPresent();

        Patched patched = patchJob("restoring FlinkDeployment " + ref(deployment) + " from " + path, current -> {
            Long nonce = current.getSpec() == null || current.getSpec().getJob() == null
                    ? null : current.getSpec().getJob().getSavepointRedeployNonce();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("initialSavepointPath", path);
            fields.put("savepointRedeployNonce", nonce == null ? 1L : nonce + 1);
            fields.put("state", "running");
            fields.put("allowNonRestoredState", submission.allowNonRestoredState());
            return fields;
        }, wait);
        JobSpec patchedJob = patched.after().getSpec() == null ? null : patched.after().getSpec().getJob();
        if (patchedJob == null || !Objects.equals(patchedJob.getSavepointRedeployNonce(), patched.fields().get("savepointRedeployNonce"))) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "the FlinkDeployment resource of this cluster drops"
                    + " spec.job.savepointRedeployNonce, so its operator (before 1.8) cannot redeploy from a savepoint;"
                    + " spec.job.initialSavepointPath of " + ref(deployment) + " is now " + path
                    + ": delete and re-create the FlinkDeployment to start from it");
        }
        String jobBefore = jobStatus(patched.before()) == null ? null : jobStatus(patched.before()).getJobId();
        String errorBefore = error(patched.before());
        long generation = generation(patched.after());
        AtomicReference<FlinkDeployment> last = new AtomicReference<>(patched.after());
        wait.timeoutNote(() -> "; the operator may still start it (kubectl -n " + namespace + " get flinkdeployment "
                + deployment + ")" + reported(last.get()));
        while (true) {
            FlinkDeployment current = requireDeployment(wait);
            last.set(current);
            boolean observed = observed(current, generation);
            String error = error(current);
            if (error != null && (observed || !error.equals(errorBefore))) {
                String action = "FlinkDeployment " + ref(deployment) + " cannot start from " + path;
                throw OperatorErrors.snapshotProblem(error, action).orElseGet(() -> new SnapshotException(Reason.OPERATION_FAILED,
                        "restoring FlinkDeployment " + ref(deployment) + " from " + path + " failed: " + OperatorErrors.oneLine(error)));
            }
            org.apache.flink.kubernetes.operator.api.status.JobStatus status = jobStatus(current);
            String jobId = status == null ? null : status.getJobId();
            JobStatus state = status == null ? null : status.getState();
            boolean newJob = jobId != null && (fixedJobId || !jobId.equals(jobBefore));
            if (observed && newJob && state == JobStatus.RUNNING) {
                JobID id = parseJobId(jobId);
                LOG.info("Job {} of FlinkDeployment {} is running, restored from {}", id, ref(deployment), path);
                return id;
            }
            if (observed && newJob && state != null && state.isGloballyTerminalState()) {
                throw new SnapshotException(Reason.OPERATION_FAILED, "job " + jobId + " of FlinkDeployment " + ref(deployment)
                        + " ended " + state + " while starting from " + path + "; see kubectl -n " + namespace
                        + " describe flinkdeployment " + deployment);
            }
            wait.pause();
        }
    }

    /**
     * The FlinkStateSnapshot resources of this deployment (those whose {@code spec.jobReference}
     * names it), newest first: for {@code savepoint list} to show beside what storage holds. Empty
     * where the cluster has no such resources (operator before 1.10).
     */
    public List<OperatorSnapshot> listSnapshots() throws Exception {
        return snapshotResources(null).orElse(List.of()).stream()
                .filter(snapshots::references)
                .map(FlinkStateSnapshots::describe)
                .sorted(Comparator.comparing(OperatorSnapshot::created, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(OperatorSnapshot::name))
                .toList();
    }

    /**
     * The snapshots the deployment depends on, for retention to keep: the savepoint its job was
     * (re)started from ({@code spec.job.initialSavepointPath}), the one the operator took at its last
     * upgrade or suspend ({@code status.jobStatus.upgradeSavepointPath}), its last savepoint and
     * last checkpoint, and the newest completed FlinkStateSnapshot of each kind.
     */
    public Set<String> pathsInUse() throws Exception {
        Set<String> paths = new LinkedHashSet<>();
        FlinkDeployment d = requireDeployment(null);
        if (d.getSpec() != null && d.getSpec().getJob() != null) {
            addIfSet(paths, d.getSpec().getJob().getInitialSavepointPath());
        }
        org.apache.flink.kubernetes.operator.api.status.JobStatus status = jobStatus(d);
        if (status != null) {
            addIfSet(paths, status.getUpgradeSavepointPath());
            if (status.getSavepointInfo() != null && status.getSavepointInfo().getLastSavepoint() != null) {
                addIfSet(paths, status.getSavepointInfo().getLastSavepoint().getLocation());
            }
        }
        for (SnapshotKind kind : SnapshotKind.values()) {
            listSnapshots().stream()
                    .filter(s -> s.kind() == kind && s.state() == FlinkStateSnapshotStatus.State.COMPLETED)
                    .findFirst()
                    .ifPresent(s -> addIfSet(paths, s.path()));
        }
        return paths;
    }

    private static void addIfSet(Set<String> paths, @Nullable String path) {
        if (path != null && !path.isBlank()) {
            paths.add(path);
        }
    }

    /** Closes the Kubernetes client if this service built it (through {@link OperatorTarget}). */
    @Override
    public void close() {
        calls.close();
        if (ownsClient) {
            client.close();
        }
    }

    // --- FlinkStateSnapshot resources

    private boolean useSnapshotResources() {
        return mode == Mode.SNAPSHOT_RESOURCE || mode == Mode.AUTO && !Boolean.FALSE.equals(snapshotResources);
    }

    /**
     * Creates a FlinkStateSnapshot of the deployment's job and returns its name; empty in {@link
     * Mode#AUTO} if the API server does not know the kind (which is then remembered).
     */
    private Optional<String> createSnapshot(SnapshotKind kind, JobID job, @Nullable SavepointRequest request, Wait wait)
            throws Exception {
        String type = kind.name().toLowerCase(Locale.ROOT);
        Optional<String> name = snapshots.create(kind, request, wait);
        if (name.isPresent()) {
            snapshotResources = true;
            LOG.info("Created FlinkStateSnapshot {} for a {} of job {}", snapshots.ref(name.get()), type, job);
            return name;
        }
        if (mode == Mode.SNAPSHOT_RESOURCE) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "the Kubernetes API at " + calls.apiAddress()
                    + " does not know the FlinkStateSnapshot kind (flinkstatesnapshots." + CrdConstants.API_GROUP
                    + "): its operator is older than 1.10 or lacks that CRD; use the legacy nonce mode");
        }
        snapshotResources = false;
        LOG.info("The Kubernetes API at {} does not know FlinkStateSnapshot: asking for the {} with {}TriggerNonce",
                calls.apiAddress(), type, type);
        return Optional.empty();
    }

    /** All FlinkStateSnapshots of the namespace; empty if the API server does not know the kind (which is then remembered). */
    private Optional<List<FlinkStateSnapshot>> snapshotResources(@Nullable Wait wait) throws Exception {
        Optional<List<FlinkStateSnapshot>> all = snapshots.list(wait);
        snapshotResources = all.isPresent();
        return all;
    }

    // --- the legacy nonces

    /**
     * Asks for a snapshot with the next {@code savepointTriggerNonce} or {@code
     * checkpointTriggerNonce} and waits for the operator's answer: the last savepoint or checkpoint
     * in the status carrying that nonce (its path: a checkpoint has none there), or, where the
     * operator turns nonces into FlinkStateSnapshots (1.10 and later), the one it created for it.
     * The operator reconciles the nonce without recording a snapshot for it when it gives up.
     */
    private Optional<String> legacyTrigger(SnapshotKind kind, JobID job, Wait wait) throws Exception {
        boolean savepoint = kind == SnapshotKind.SAVEPOINT;
        String word = savepoint ? "savepoint" : "checkpoint";
        String field = word + "TriggerNonce";
        Set<String> existing = new HashSet<>();
        snapshotResources(wait).ifPresent(list -> list.forEach(s -> existing.add(s.getMetadata().getName())));

        Patched patched = patchJob("setting spec.job." + field + " of FlinkDeployment " + ref(deployment), current -> {
            Long nonce = triggerNonce(current, kind);
            return Map.of(field, nonce == null ? 1L : nonce + 1);
        }, wait);
        long nonce = (Long) patched.fields().get(field);
        LOG.info("Asked for a {} of job {} with {} {} of FlinkDeployment {}", word, job, field, nonce, ref(deployment));
        wait.timeoutNote(() -> "; spec.job." + field + " of FlinkDeployment " + ref(deployment) + " is " + nonce
                + " and the operator may still take the " + word);
        while (true) {
            FlinkDeployment current = requireDeployment(wait);
            org.apache.flink.kubernetes.operator.api.status.JobStatus status = jobStatus(current);
            String triggerId = null;
            if (status != null && savepoint && status.getSavepointInfo() != null) {
                Savepoint last = status.getSavepointInfo().getLastSavepoint();
                if (last != null && Objects.equals(last.getTriggerNonce(), nonce) && !isBlank(last.getLocation())) {
                    return Optional.of(last.getLocation());
                }
                triggerId = status.getSavepointInfo().getTriggerId();
            } else if (status != null && !savepoint && status.getCheckpointInfo() != null) {
                Checkpoint last = status.getCheckpointInfo().getLastCheckpoint();
                if (last != null && Objects.equals(last.getTriggerNonce(), nonce)) {
                    return Optional.empty();
                }
                triggerId = status.getCheckpointInfo().getTriggerId();
            }
            // read after the deployment: the operator creates the snapshot before it records the nonce as reconciled
            Optional<FlinkStateSnapshot> made = Boolean.FALSE.equals(snapshotResources)
                    ? Optional.empty() : snapshots.madeForNonce(snapshotResources(wait).orElse(List.of()), kind, existing);
            if (made.isPresent()) {
                String name = made.get().getMetadata().getName();
                LOG.info("The operator took {} {} as FlinkStateSnapshot {}", field, nonce, ref(name));
                FlinkStateSnapshotStatus done = snapshots.await(name, word + " of job " + job, wait);
                return Optional.ofNullable(isBlank(done.getPath()) ? null : done.getPath());
            }
            if (Objects.equals(reconciledJobField(current, field), nonce) && isBlank(triggerId)) {
                throw new SnapshotException(Reason.OPERATION_FAILED, word + " of job " + job + " failed: the operator gave up on "
                        + field + " " + nonce + " (its reason is in the " + (savepoint ? "SavepointError" : "CheckpointError")
                        + " events: kubectl -n " + namespace + " describe flinkdeployment " + deployment + ")");
            }
            wait.pause();
        }
    }

    @Nullable
    private static Long triggerNonce(FlinkDeployment d, SnapshotKind kind) {
        JobSpec job = d.getSpec() == null ? null : d.getSpec().getJob();
        if (job == null) {
            return null;
        }
        return kind == SnapshotKind.SAVEPOINT ? job.getSavepointTriggerNonce() : job.getCheckpointTriggerNonce();
    }

    /**
     * A field of {@code spec.job} as the operator last reconciled it: {@code
     * status.reconciliationStatus.lastReconciledSpec} is a JSON string, {@code {"spec": ...,
     * "resource_metadata": ...}} (the operator's SpecUtils; before 1.3 the spec alone). Read as a
     * tree, so that fields of newer operators do not matter.
     */
    @Nullable
    private static Long reconciledJobField(FlinkDeployment d, String field) {
        FlinkDeploymentStatus status = d.getStatus();
        String text = status == null || status.getReconciliationStatus() == null ? null : status.getReconciliationStatus().getLastReconciledSpec();
        if (isBlank(text)) {
            return null;
        }
        try {
            JsonNode root = JSON.readTree(text);
            JsonNode spec = root.has("resource_metadata") ? root.path("spec") : root;
            JsonNode value = spec.path("job").path(field);
            return value.isNumber() ? value.asLong() : null;
        } catch (IOException e) {
            return null;
        }
    }

    // --- the FlinkDeployment

    private NonNamespaceOperation<FlinkDeployment, KubernetesResourceList<FlinkDeployment>, Resource<FlinkDeployment>> deployments() {
        return client.resources(FlinkDeployment.class).inNamespace(namespace);
    }

    private FlinkDeployment requireDeployment(@Nullable Wait wait) throws Exception {
        FlinkDeployment d = calls.call("reading FlinkDeployment " + ref(deployment),
                () -> deployments().withName(deployment).get(), wait);
        if (d == null) {
            throw new SnapshotException(Reason.JOB_NOT_FOUND, "FlinkDeployment " + ref(deployment) + " not found; check"
                    + " --deployment and --namespace (kubectl -n " + namespace + " get flinkdeployments) and that the Kubernetes API at "
                    + calls.apiAddress() + " is the cluster's");
        }
        return d;
    }

    private void requireJob(FlinkDeployment d, JobID job) throws SnapshotException {
        org.apache.flink.kubernetes.operator.api.status.JobStatus status = jobStatus(d);
        String current = status == null ? null : status.getJobId();
        if (isBlank(current)) {
            throw new SnapshotException(Reason.JOB_NOT_FOUND, "job " + job + " is not the job of FlinkDeployment " + ref(deployment)
                    + ", which has no job yet");
        }
        if (!current.equalsIgnoreCase(job.toHexString())) {
            throw new SnapshotException(Reason.JOB_NOT_FOUND, "job " + job + " is not the job of FlinkDeployment " + ref(deployment)
                    + ", which runs job " + current);
        }
    }

    /** Fails unless the job is RUNNING, as the operator requires before it triggers anything (it abandons the snapshot otherwise). */
    private void requireRunning(FlinkDeployment d, JobID job, String action) throws SnapshotException {
        JobStatus state = jobStatus(d) == null ? null : jobStatus(d).getState();
        if (state != JobStatus.RUNNING) {
            String now = state == null ? "not running yet" : "it is " + state;
            String hint = state != null && state.isGloballyTerminalState()
                    ? "; to run it again, restore it from its latest savepoint" : "; wait until the operator reports it RUNNING";
            throw new SnapshotException(Reason.OPERATION_FAILED, "cannot " + action + " job " + job + " of FlinkDeployment "
                    + ref(deployment) + ": " + now + hint);
        }
    }

    /** The deployment before and after a merge patch of spec.job, and the fields that were set. */
    private record Patched(FlinkDeployment before, FlinkDeployment after, Map<String, Object> fields) {}

    /**
     * Merge-patches {@code spec.job} with the fields computed from the current deployment, guarded
     * by its resourceVersion: on a conflict (someone else changed it meanwhile), reads it again and
     * computes them again.
     */
    private Patched patchJob(String what, Function<FlinkDeployment, Map<String, Object>> fields, Wait wait) throws Exception {
        for (int attempt = 1; ; attempt++) {
            FlinkDeployment before = requireDeployment(wait);
            Map<String, Object> values = fields.apply(before);
            ObjectNode patch = JSON.createObjectNode();
            patch.putObject("metadata").put("resourceVersion", before.getMetadata().getResourceVersion());
            ObjectNode job = patch.putObject("spec").putObject("job");
            values.forEach((k, v) -> job.set(k, JSON.valueToTree(v)));
            String body = JSON.writeValueAsString(patch);
            try {
                FlinkDeployment after = calls.call(what, () -> deployments().withName(deployment)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), body), wait);
                return new Patched(before, after, values);
            } catch (SnapshotException e) {
                if (KubernetesCalls.httpCode(e) != 409 || attempt >= PATCH_ATTEMPTS) {
                    throw e;
                }
                LOG.debug("FlinkDeployment {} changed while {}; trying again", ref(deployment), what);
            }
        }
    }

    @Nullable
    private static org.apache.flink.kubernetes.operator.api.status.JobStatus jobStatus(FlinkDeployment d) {
        return d.getStatus() == null ? null : d.getStatus().getJobStatus();
    }

    @Nullable
    private static String error(FlinkDeployment d) {
        return d.getStatus() == null || isBlank(d.getStatus().getError()) ? null : d.getStatus().getError();
    }

    private static long generation(FlinkDeployment d) {
        Long generation = d.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }

    /** Whether the operator has taken the spec of {@code generation} (an operator that records no generation is taken at its word). */
    private static boolean observed(FlinkDeployment d, long generation) {
        Long observed = d.getStatus() == null ? null : d.getStatus().getObservedGeneration();
        return observed == null || observed >= generation;
    }

    /** "; the operator reports: ..." if the deployment's status holds an error. */
    private static String reported(@Nullable FlinkDeployment d) {
        String error = d == null ? null : error(d);
        return error == null ? "" : "; the operator reports: " + OperatorErrors.oneLine(error);
    }

    private static Map<String, String> flinkConfiguration(FlinkDeployment d) {
        Map<String, String> conf = d.getSpec() == null ? null : d.getSpec().getFlinkConfiguration();
        return conf == null ? Map.of() : conf;
    }

    private static Duration checkpointTimeout(FlinkDeployment d) {
        try {
            return Configuration.fromMap(flinkConfiguration(d)).getOptional(CheckpointingOptions.CHECKPOINTING_TIMEOUT)
                    .orElse(DEFAULT_CHECKPOINT_TIMEOUT);
        } catch (IllegalArgumentException e) {
            return DEFAULT_CHECKPOINT_TIMEOUT;
        }
    }

    /** The operator writes a nonce's or a stop's savepoint where the deployment says, in its format: say so if the request differs. */
    private void warnIgnoredTarget(FlinkDeployment d, SavepointRequest request, String operation) {
        Configuration conf = Configuration.fromMap(flinkConfiguration(d));
        String directory = conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY);
        if (request.targetDirectory() != null && !samePath(request.targetDirectory(), directory)) {
            LOG.warn("The operator writes the {} savepoint of FlinkDeployment {} to its {} ({}), not to {}", operation,
                    ref(deployment), CheckpointingOptions.SAVEPOINT_DIRECTORY.key(), directory, request.targetDirectory());
        }
        String format = flinkConfiguration(d).getOrDefault("kubernetes.operator.savepoint.format.type", "CANONICAL");
        if (!format.equalsIgnoreCase(request.format().name())) {
            LOG.warn("The operator writes the {} savepoint of FlinkDeployment {} in its format {}, not {}", operation,
                    ref(deployment), format, request.format());
        }
    }

    private JobSummary summary(org.apache.flink.kubernetes.operator.api.status.JobStatus job) throws SnapshotException {
        JobStatus state = job.getState() == null ? JobStatus.RECONCILING : job.getState();
        Instant started = null;
        if (!isBlank(job.getStartTime())) {
            try {
                started = Instant.ofEpochMilli(Long.parseLong(job.getStartTime().strip()));
            } catch (NumberFormatException e) {
                started = null; // the operator writes epoch milliseconds; anything else is unknown
            }
        }
        return new JobSummary(parseJobId(job.getJobId()), isBlank(job.getJobName()) ? deployment : job.getJobName(), state, started);
    }

    private JobID parseJobId(String jobId) throws SnapshotException {
        try {
            return JobID.fromHexString(jobId.strip());
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "FlinkDeployment " + ref(deployment)
                    + " reports a job id that is none: " + jobId, e);
        }
    }

    private static long checkpointId(JobID job, @Nullable String path, String source) throws SnapshotException {
        if (isBlank(path)) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "checkpoint of job " + job + " completed, but its id is not"
                    + " available: the operator recorded no path for it (" + source + "); Flink's REST API has it (--rest-address)");
        }
        Matcher m = CHECKPOINT_DIR.matcher(path);
        if (!m.find()) {
            throw new SnapshotException(Reason.OPERATION_FAILED, "checkpoint of job " + job + " completed at " + path
                    + ", but its id is not available: the path names no chk-<id> directory (" + source + ")");
        }
        return Long.parseLong(m.group(1));
    }

    private static boolean samePath(@Nullable String a, @Nullable String b) {
        return a != null && b != null && a.replaceAll("/+$", "").equals(b.replaceAll("/+$", ""));
    }

    private static boolean isBlank(@Nullable String s) {
        return s == null || s.isBlank();
    }

    private String ref(String name) {
        return namespace + "/" + name;
    }
}
