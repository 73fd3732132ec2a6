package io.tidemark.kubernetes.operator;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.kubernetes.operator.api.CrdConstants;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkStateSnapshot;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkStateSnapshotSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobReference;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.SavepointSpec;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.kubernetes.operator.api.status.Checkpoint;
import org.apache.flink.kubernetes.operator.api.status.CheckpointType;
import org.apache.flink.kubernetes.operator.api.status.FlinkDeploymentStatus;
import org.apache.flink.kubernetes.operator.api.status.FlinkStateSnapshotStatus;
import org.apache.flink.kubernetes.operator.api.status.FlinkStateSnapshotStatus.State;
import org.apache.flink.kubernetes.operator.api.status.JobManagerDeploymentStatus;
import org.apache.flink.kubernetes.operator.api.status.Savepoint;
import org.apache.flink.kubernetes.operator.api.status.SavepointFormatType;
import org.apache.flink.kubernetes.operator.api.status.SnapshotTriggerType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the Flink Kubernetes Operator's part against the mock API server, with a client of its own
 * and a reconcile loop every 20 ms, the way operator 1.10 does (as read in its source): it takes
 * FlinkStateSnapshots from TRIGGER_PENDING to IN_PROGRESS to COMPLETED (or FAILED, ABANDONED),
 * holds their deletion with a finalizer until it has disposed of the data, turns nonces into
 * savepoints and checkpoints (as FlinkStateSnapshots, or into {@code savepointInfo} when its
 * snapshot resources are disabled), suspends a job with a savepoint, and redeploys from {@code
 * initialSavepointPath} on a new {@code savepointRedeployNonce}. Per deployment, {@link Behaviour}
 * switches make it slow, fail or hang, like the operator's own {@code TestingFlinkService}.
 */
public final class TestingFlinkOperator implements AutoCloseable {

    public static final String SAVEPOINT_DIR = "s3://tidemark-test/savepoints";
    static final String CHECKPOINT_DIR = "s3://tidemark-test/checkpoints";
    /** JOSDK's finalizer for the FlinkStateSnapshot controller: {@code <plural>.<group>/finalizer}. */
    static final String FINALIZER = "flinkstatesnapshots.flink.apache.org/finalizer";

    private static final Logger LOG = LoggerFactory.getLogger(TestingFlinkOperator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the operator and the Flink job behind one FlinkDeployment do. */
    static final class Behaviour {
        /** How long a savepoint or checkpoint takes once triggered. */
        volatile Duration snapshotDuration = Duration.ZERO;
        /** Flink's failure of every savepoint and checkpoint, as the operator's status error records it; null: they succeed. */
        volatile String snapshotFailure;
        /** Snapshots stay IN_PROGRESS. */
        volatile boolean snapshotsHang;
        /** The operator's kubernetes.operator.snapshot.resource.enabled: nonces become FlinkStateSnapshots, else savepointInfo. */
        volatile boolean snapshotResources = true;
        /** Whether the operator learns a completed checkpoint's path from Flink's checkpoint history. */
        volatile boolean checkpointPaths = true;
        /** How long a redeployed job takes from RECONCILING to RUNNING. */
        volatile Duration startDuration = Duration.ofMillis(100);
        /** Restore paths the job fails to start from, and the operator's error for each. */
        final Map<String, String> restoreFailures = new ConcurrentHashMap<>();
    }

    private final KubernetesClient client;
    private final ScheduledExecutorService loop;
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    private final List<String> disposed = new CopyOnWriteArrayList<>();
    private final AtomicLong checkpointIds = new AtomicLong(41);

    public TestingFlinkOperator(KubernetesClient client) {
        this.client = client;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "testing-flink-operator");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::reconcileAll, 0, 20, TimeUnit.MILLISECONDS);
    }

    Behaviour behaviour(String namespace, String deployment) {
        return behaviours.computeIfAbsent(namespace + "/" + deployment, k -> new Behaviour());
    }

    /** The savepoint paths the operator disposed of (deleting a completed FlinkStateSnapshot with disposeOnDelete). */
    List<String> disposed() {
        return List.copyOf(disposed);
    }

    /**
     * Creates a FlinkDeployment whose job runs, as the operator leaves it after its first
     * deployment (upgrade mode last-state, savepoint and checkpoint directories configured), with
     * a last savepoint of an earlier periodic trigger; returns its job id.
     */
    public JobID deploy(String namespace, String name) {
        FlinkDeploymentSpec spec = new FlinkDeploymentSpec();
        spec.setImage("tidemark:test");
        spec.setFlinkVersion(FlinkVersion.v1_20);
        Map<String, String> conf = new HashMap<>();
        conf.put("execution.checkpointing.savepoint-dir", SAVEPOINT_DIR);
        conf.put("execution.checkpointing.dir", CHECKPOINT_DIR);
        conf.put("execution.checkpointing.interval", "10s");
        spec.setFlinkConfiguration(conf);
        JobSpec job = new JobSpec();
        job.setJarURI("local:///opt/flink/usrlib/tidemark.jar");
        job.setParallelism(1);
        job.setUpgradeMode(UpgradeMode.LAST_STATE);
        job.setState(JobState.RUNNING);
        spec.setJob(job);
        FlinkDeployment d = new FlinkDeployment();
        d.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        d.setSpec(spec);
        d = client.resource(d).create();

        JobID id = JobID.generate();
        FlinkDeploymentStatus status = d.getStatus();
        status.setJobManagerDeploymentStatus(JobManagerDeploymentStatus.READY);
        var jobStatus = status.getJobStatus();
        jobStatus.setJobId(id.toHexString());
        jobStatus.setJobName("tidemark-" + name);
        jobStatus.setState(JobStatus.RUNNING);
        jobStatus.setStartTime(String.valueOf(System.currentTimeMillis()));
        jobStatus.getSavepointInfo().updateLastSavepoint(
                new Savepoint(System.currentTimeMillis() - 60_000, savepointPath(SAVEPOINT_DIR, id.toHexString()),
                        SnapshotTriggerType.PERIODIC, SavepointFormatType.CANONICAL, null));
        status.getReconciliationStatus().serializeAndSetLastReconciledSpec(d.getSpec(), d);
        status.getReconciliationStatus().markReconciledSpecAsStable();
        client.resource(d).updateStatus();
        return id;
    }

    private void reconcileAll() {
        try {
            Map<String, FlinkDeployment> deployments = new HashMap<>();
            for (FlinkDeployment d : client.resources(FlinkDeployment.class).inAnyNamespace().list().getItems()) {
                deployments.put(key(d.getMetadata().getNamespace(), d.getMetadata().getName()), reconcile(d));
            }
            for (FlinkStateSnapshot s : client.resources(FlinkStateSnapshot.class).inAnyNamespace().list().getItems()) {
                JobReference reference = s.getSpec().getJobReference();
                reconcile(s, reference == null ? null : deployments.get(key(s.getMetadata().getNamespace(), reference.getName())));
            }
        } catch (Exception e) {
            // the operator's reconciliation of one resource fails; the next round tries again
            LOG.debug("Reconciliation failed", e);
        }
    }

    // --- FlinkDeployment

    /** Reconciles the deployment; returns it as it is now. */
    private FlinkDeployment reconcile(FlinkDeployment d) {
        FlinkDeploymentStatus status = d.getStatus();
        if (status == null || status.getReconciliationStatus().getLastReconciledSpec() == null) {
            return d; // not deployed yet
        }
        String key = key(d.getMetadata().getNamespace(), d.getMetadata().getName());
        Behaviour b = behaviour(d.getMetadata().getNamespace(), d.getMetadata().getName());
        FlinkDeploymentSpec reconciled = status.getReconciliationStatus().deserializeLastReconciledSpec();
        JobSpec want = d.getSpec().getJob();
        JobSpec had = reconciled.getJob();
        var job = status.getJobStatus();
        boolean changed = false;

        if (job.getState() == JobStatus.RECONCILING) {
            if (elapsed(key + "/start").compareTo(b.startDuration) >= 0) {
                String failure = b.restoreFailures.get(String.valueOf(job.getUpgradeSavepointPath()));
                if (failure != null) {
                    job.setState(JobStatus.FAILED);
                    status.setError(failure);
                } else {
                    job.setState(JobStatus.RUNNING);
                    job.setStartTime(String.valueOf(System.currentTimeMillis()));
                    status.setJobManagerDeploymentStatus(JobManagerDeploymentStatus.READY);
                }
                changed = true;
            }
        } else if (want.getSavepointRedeployNonce() != null && !want.getSavepointRedeployNonce().equals(had.getSavepointRedeployNonce())) {
            // AbstractJobReconciler.redeployWithSavepoint: cancel, new job id, deploy from initialSavepointPath
            if (want.getInitialSavepointPath() == null || want.getInitialSavepointPath().isBlank()) {
                status.setError(error("org.apache.flink.kubernetes.operator.exception.ValidationException",
                        "InitialSavepointPath must not be empty for savepoint redeployment"));
            } else {
                job.setJobId(JobID.generate().toHexString());
                job.setState(want.getState() == JobState.RUNNING ? JobStatus.RECONCILING : JobStatus.FINISHED);
                job.setUpgradeSavepointPath(want.getInitialSavepointPath());
                status.setJobManagerDeploymentStatus(JobManagerDeploymentStatus.DEPLOYING);
                status.setError(null);
                status.getReconciliationStatus().serializeAndSetLastReconciledSpec(d.getSpec(), d);
                since.put(key + "/start", Instant.now());
            }
            changed = true;
        } else if (want.getState() == JobState.SUSPENDED && had.getState() == JobState.RUNNING
                && job.getState() == JobStatus.RUNNING && want.getUpgradeMode() == UpgradeMode.SAVEPOINT) {
            // ApplicationReconciler.cancelJob with SuspendMode.SAVEPOINT: stop-with-savepoint, job FINISHED, path recorded
            if (b.snapshotFailure != null) {
                String error = error("org.apache.flink.kubernetes.operator.exception.UpgradeFailureException", "Savepoint Error",
                        b.snapshotFailure);
                changed = !error.equals(status.getError());
                status.setError(error);
            } else {
                String path = savepointPath(SAVEPOINT_DIR, job.getJobId());
                job.setState(JobStatus.FINISHED);
                job.setUpgradeSavepointPath(path);
                status.setJobManagerDeploymentStatus(JobManagerDeploymentStatus.MISSING);
                status.setError(null);
                status.getReconciliationStatus().serializeAndSetLastReconciledSpec(d.getSpec(), d);
                if (b.snapshotResources) {
                    createSnapshot(d, path, SnapshotTriggerType.UPGRADE, true);
                }
                changed = true;
            }
        } else if (job.getState() == JobStatus.RUNNING) {
            changed = triggerSavepointNonce(d, b, want, had) | triggerCheckpointNonce(d, b, want, had);
        }
        return changed ? client.resource(d).updateStatus() : d;
    }

    private boolean triggerSavepointNonce(FlinkDeployment d, Behaviour b, JobSpec want, JobSpec had) {
        var info = d.getStatus().getJobStatus().getSavepointInfo();
        String key = key(d.getMetadata().getNamespace(), d.getMetadata().getName()) + "/savepoint";
        Long nonce = want.getSavepointTriggerNonce();
        if (info.getTriggerId() != null) {
            // SnapshotObserver.observeTriggeredSavepoint
            if (b.snapshotsHang || elapsed(key).compareTo(b.snapshotDuration) < 0) {
                return false;
            }
            if (b.snapshotFailure != null) {
                info.resetTrigger();
            } else {
                info.updateLastSavepoint(new Savepoint(info.getTriggerTimestamp(), savepointPath(SAVEPOINT_DIR,
                        d.getStatus().getJobStatus().getJobId()), SnapshotTriggerType.MANUAL, SavepointFormatType.CANONICAL, nonce));
            }
            reconcileNonce(d, spec -> spec.getJob().setSavepointTriggerNonce(nonce));
            return true;
        }
        if (nonce == null || nonce.equals(had.getSavepointTriggerNonce())) {
            return false;
        }
        // AbstractJobReconciler.triggerSnapshotIfNeeded
        if (b.snapshotResources) {
            FlinkStateSnapshot s = createSnapshot(d, SAVEPOINT_DIR, SnapshotTriggerType.MANUAL, false);
            LOG.debug("Savepoint nonce {} became {}", nonce, s.getMetadata().getName());
            reconcileNonce(d, spec -> spec.getJob().setSavepointTriggerNonce(nonce));
        } else {
            info.setTrigger(UUID.randomUUID().toString().replace("-", ""), SnapshotTriggerType.MANUAL, SavepointFormatType.CANONICAL);
            since.put(key, Instant.now());
        }
        return true;
    }

    private boolean triggerCheckpointNonce(FlinkDeployment d, Behaviour b, JobSpec want, JobSpec had) {
        var info = d.getStatus().getJobStatus().getCheckpointInfo();
        String key = key(d.getMetadata().getNamespace(), d.getMetadata().getName()) + "/checkpoint";
        Long nonce = want.getCheckpointTriggerNonce();
        if (info.getTriggerId() != null) {
            if (b.snapshotsHang || elapsed(key).compareTo(b.snapshotDuration) < 0) {
                return false;
            }
            if (b.snapshotFailure != null) {
                info.resetTrigger();
            } else {
                info.updateLastCheckpoint(new Checkpoint(info.getTriggerTimestamp(), SnapshotTriggerType.MANUAL, CheckpointType.FULL, nonce));
            }
            reconcileNonce(d, spec -> spec.getJob().setCheckpointTriggerNonce(nonce));
            return true;
        }
        if (nonce == null || nonce.equals(had.getCheckpointTriggerNonce())) {
            return false;
        }
        if (b.snapshotResources) {
            createCheckpoint(d);
            reconcileNonce(d, spec -> spec.getJob().setCheckpointTriggerNonce(nonce));
        } else {
            info.setTrigger(UUID.randomUUID().toString().replace("-", ""), SnapshotTriggerType.MANUAL, CheckpointType.FULL);
            since.put(key, Instant.now());
        }
        return true;
    }

    /** ReconciliationUtils.updateLastReconciledSnapshotTriggerNonce: only the nonce of the reconciled spec changes. */
    private static void reconcileNonce(FlinkDeployment d, java.util.function.Consumer<FlinkDeploymentSpec> change) {
        var reconciliation = d.getStatus().getReconciliationStatus();
        FlinkDeploymentSpec spec = reconciliation.deserializeLastReconciledSpec();
        change.accept(spec);
        reconciliation.serializeAndSetLastReconciledSpec(spec, d);
    }

    /** FlinkStateSnapshotUtils.createSavepointResource: named {@code <deployment>-savepoint-<trigger type>-<millis>}, labelled with its trigger type. */
    private FlinkStateSnapshot createSnapshot(FlinkDeployment d, String path, SnapshotTriggerType trigger, boolean alreadyExists) {
        FlinkStateSnapshotSpec spec = new FlinkStateSnapshotSpec();
        spec.setJobReference(JobReference.fromFlinkResource(d));
        spec.setSavepoint(new SavepointSpec(path, SavepointFormatType.CANONICAL, false, alreadyExists));
        return create(d, "savepoint", trigger, spec);
    }

    private void createCheckpoint(FlinkDeployment d) {
        FlinkStateSnapshotSpec spec = new FlinkStateSnapshotSpec();
        spec.setJobReference(JobReference.fromFlinkResource(d));
        spec.setCheckpoint(new org.apache.flink.kubernetes.operator.api.spec.CheckpointSpec());
        create(d, "checkpoint", SnapshotTriggerType.MANUAL, spec);
    }

    private FlinkStateSnapshot create(FlinkDeployment d, String type, SnapshotTriggerType trigger, FlinkStateSnapshotSpec spec) {
        FlinkStateSnapshot s = new FlinkStateSnapshot();
        s.setMetadata(new ObjectMetaBuilder()
                .withNamespace(d.getMetadata().getNamespace())
                .withName(d.getMetadata().getName() + "-" + type + "-" + trigger.name().toLowerCase() + "-" + System.currentTimeMillis())
                .addToLabels(CrdConstants.LABEL_SNAPSHOT_TRIGGER_TYPE, trigger.name())
                .build());
        s.setSpec(spec);
        return client.resource(s).create();
    }

    // --- FlinkStateSnapshot

    private void reconcile(FlinkStateSnapshot s, @Nullable FlinkDeployment d) {
        String namespace = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
        List<String> finalizers = s.getMetadata().getFinalizers() == null ? List.of() : s.getMetadata().getFinalizers();
        FlinkStateSnapshotStatus status = s.getStatus();
        if (s.isMarkedForDeletion()) {
            // StateSnapshotReconciler.cleanup: dispose of a completed savepoint if asked to, then let it go
            if (finalizers.contains(FINALIZER)) {
                if (s.getSpec().isSavepoint() && Boolean.TRUE.equals(s.getSpec().getSavepoint().getDisposeOnDelete())
                        && status != null && status.getState() == State.COMPLETED && status.getPath() != null) {
                    disposed.add(status.getPath());
                }
                client.resource(s).edit(x -> {
                    x.getMetadata().getFinalizers().remove(FINALIZER);
                    return x;
                });
            }
            return;
        }
        Map<String, String> labels = labels(s, status);
        if (!finalizers.contains(FINALIZER) || !labels.equals(s.getMetadata().getLabels())) {
            // JOSDK adds its finalizer; FlinkStateSnapshotController.updateLabels merges the operator's labels
            client.resource(s).edit(x -> {
                if (!x.getMetadata().getFinalizers().contains(FINALIZER)) {
                    x.getMetadata().getFinalizers().add(FINALIZER);
                }
                x.getMetadata().setLabels(labels);
                return x;
            });
            return;
        }

        JobReference reference = s.getSpec().getJobReference();
        Behaviour b = behaviour(namespace, reference == null ? "" : reference.getName());
        boolean running = d != null && d.getStatus().getJobStatus().getState() == JobStatus.RUNNING;
        if (status == null || status.getState() == State.TRIGGER_PENDING) {
            status = status == null ? new FlinkStateSnapshotStatus() : status;
            if (s.getSpec().isSavepoint() && Boolean.TRUE.equals(s.getSpec().getSavepoint().getAlreadyExists())) {
                complete(status, s.getSpec().getSavepoint().getPath());
            } else if (!running) {
                abandon(status, reference, name, d == null ? "was not found" : "is not running");
            } else if (b.snapshotFailure != null) {
                // ReconciliationUtils.updateForReconciliationError, then FlinkStateSnapshotController.updateErrorStatus
                status.setFailures(status.getFailures() + 1);
                status.setError(error("org.apache.flink.kubernetes.operator.exception.ReconciliationException", b.snapshotFailure));
                status.setResultTimestamp(Instant.now().toString());
                status.setState(status.getFailures() > s.getSpec().getBackoffLimit() && s.getSpec().getBackoffLimit() >= 0
                        ? State.FAILED : State.TRIGGER_PENDING);
            } else {
                status.setState(State.IN_PROGRESS);
                status.setTriggerId(UUID.randomUUID().toString().replace("-", ""));
                status.setTriggerTimestamp(Instant.now().toString());
                since.put(key(namespace, name), Instant.now());
            }
            s.setStatus(status);
            client.resource(s).updateStatus();
        } else if (status.getState() == State.IN_PROGRESS) {
            // StateSnapshotObserver
            if (!running) {
                abandon(status, reference, name, d == null ? "was not found" : "is not running");
            } else if (b.snapshotsHang || elapsed(key(namespace, name)).compareTo(b.snapshotDuration) < 0) {
                return;
            } else if (s.getSpec().isSavepoint()) {
                String dir = s.getSpec().getSavepoint().getPath() == null ? SAVEPOINT_DIR : s.getSpec().getSavepoint().getPath();
                complete(status, savepointPath(dir, d.getStatus().getJobStatus().getJobId()));
            } else {
                complete(status, b.checkpointPaths
                        ? CHECKPOINT_DIR + "/" + d.getStatus().getJobStatus().getJobId() + "/chk-" + checkpointIds.incrementAndGet() : "");
            }
            client.resource(s).updateStatus();
        }
    }

    /** FlinkStateSnapshotUtils.getSnapshotLabels, merged into the resource's own. */
    private static Map<String, String> labels(FlinkStateSnapshot s, @Nullable FlinkStateSnapshotStatus status) {
        Map<String, String> labels = new HashMap<>(s.getMetadata().getLabels() == null ? Map.of() : s.getMetadata().getLabels());
        labels.put(CrdConstants.LABEL_SNAPSHOT_TYPE, s.getSpec().isSavepoint() ? "SAVEPOINT" : "CHECKPOINT");
        labels.putIfAbsent(CrdConstants.LABEL_SNAPSHOT_TRIGGER_TYPE, SnapshotTriggerType.MANUAL.name());
        if (status != null) {
            labels.put(CrdConstants.LABEL_SNAPSHOT_STATE, status.getState().name());
        }
        if (s.getSpec().getJobReference() != null) {
            labels.put(CrdConstants.LABEL_SNAPSHOT_JOB_REFERENCE_KIND, CrdConstants.KIND_FLINK_DEPLOYMENT);
            labels.put(CrdConstants.LABEL_SNAPSHOT_JOB_REFERENCE_NAME, s.getSpec().getJobReference().getName());
        }
        return labels;
    }

    private static void complete(FlinkStateSnapshotStatus status, String path) {
        status.setState(State.COMPLETED);
        status.setPath(path);
        status.setError(null);
        status.setResultTimestamp(Instant.now().toString());
    }

    /** FlinkStateSnapshotUtils.abandonSnapshotIfJobNotRunning: a plain sentence, not the JSON of an exception. */
    private static void abandon(FlinkStateSnapshotStatus status, @Nullable JobReference reference, String name, String why) {
        status.setState(State.ABANDONED);
        status.setPath(null);
        status.setError(String.format("Secondary resource %s for savepoint %s %s", reference, name, why));
        status.setResultTimestamp(Instant.now().toString());
    }

    /** FlinkResourceExceptionUtils: the JSON of the operator's FlinkResourceException, causes outermost first. */
    static String error(String type, String message, String... causes) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type);
        node.put("message", message);
        node.putObject("additionalMetadata");
        var list = node.putArray("throwableList");
        for (String cause : causes) {
            int colon = cause.indexOf(": ");
            ObjectNode c = list.addObject();
            c.put("type", colon < 0 ? "java.lang.Exception" : cause.substring(0, colon));
            c.put("message", colon < 0 ? cause : cause.substring(colon + 2));
            c.putObject("additionalMetadata");
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flink's savepoint directory name: {@code savepoint-<first 6 of the job id>-<12 hex digits>}. */
    static String savepointPath(String dir, String jobId) {
        return dir + "/savepoint-" + jobId.substring(0, 6) + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private Duration elapsed(String key) {
        Instant start = since.get(key);
        return start == null ? Duration.ofDays(1) : Duration.between(start, Instant.now());
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
