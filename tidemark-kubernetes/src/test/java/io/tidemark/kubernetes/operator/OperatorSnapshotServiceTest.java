package io.tidemark.kubernetes.operator;

import io.tidemark.kubernetes.operator.OperatorSnapshotService.Mode;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotKind;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.kubernetes.operator.api.CrdConstants;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkStateSnapshot;
import org.apache.flink.kubernetes.operator.api.spec.FlinkStateSnapshotSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobKind;
import org.apache.flink.kubernetes.operator.api.spec.JobReference;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.SavepointSpec;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.kubernetes.operator.api.status.FlinkStateSnapshotStatus.State;
import org.apache.flink.kubernetes.operator.api.status.SnapshotTriggerType;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The operator target against fabric8's mock API server in CRUD mode (no cluster can run here),
 * with {@link TestingFlinkOperator} playing the operator from a client of its own: what a user of
 * {@code --target kubernetes} would check (the path they get back, the resource or spec change
 * the operator saw, the job that runs afterwards, one-line errors with the right reason).
 */
class OperatorSnapshotServiceTest {

    private static final String NS = "flink";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private static KubernetesMockServer server;
    private static KubernetesClient client;
    private static TestingFlinkOperator operator;

    private final List<Duration> progress = new CopyOnWriteArrayList<>();
    private final ProgressListener listener = (what, elapsed) -> progress.add(elapsed);
    private String name;

    @BeforeAll
    static void startServerAndOperator() {
        server = MockKubernetesApi.start();
        client = server.createClient();
        operator = new TestingFlinkOperator(server.createClient());
    }

    @AfterAll
    static void stopOperatorAndServer() {
        operator.close();
        client.close();
        server.destroy();
    }

    @BeforeEach
    void nameDeployment(TestInfo test) {
        // one deployment per test, named after it
        name = test.getTestMethod().orElseThrow().getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
        name = name.substring(0, Math.min(name.length(), 40)).replaceAll("-+$", "");
    }

    @Test
    void jobsReportsTheDeploymentsJob() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            List<JobSummary> jobs = service.jobs();
            assertThat(jobs).hasSize(1);
            assertThat(jobs.get(0).id()).isEqualTo(job);
            assertThat(jobs.get(0).name()).isEqualTo("tidemark-" + name);
            assertThat(jobs.get(0).status()).isEqualTo(JobStatus.RUNNING);
            assertThat(jobs.get(0).startTime()).isNotNull();
            assertThat(service.job(job)).isEqualTo(jobs.get(0));
        }
    }

    @Test
    void triggerSavepointCreatesAFlinkStateSnapshotAndReturnsItsPath() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).snapshotDuration = Duration.ofMillis(1300);
        try (OperatorSnapshotService service = service(name, Mode.SNAPSHOT_RESOURCE)) {
            SavepointResult result = service.triggerSavepoint(job,
                    new SavepointRequest("s3://bucket/manual", SavepointFormatType.NATIVE, Duration.ofSeconds(10)), listener);

            assertThat(result.job()).isEqualTo(job);
            assertThat(result.path()).startsWith("s3://bucket/manual/savepoint-" + job.toHexString().substring(0, 6));
            assertThat(progress).as("progress about once a second").isNotEmpty();
            FlinkStateSnapshot snapshot = onlySnapshot(name);
            assertThat(snapshot.getMetadata().getName()).startsWith(name + "-savepoint-");
            assertThat(snapshot.getMetadata().getLabels())
                    .containsEntry(OperatorSnapshotService.CREATED_BY_LABEL, OperatorSnapshotService.CREATED_BY_VALUE)
                    .containsEntry(CrdConstants.LABEL_SNAPSHOT_JOB_REFERENCE_NAME, name);
            FlinkStateSnapshotSpec spec = snapshot.getSpec();
            assertThat(spec.getJobReference()).isEqualTo(new JobReference(JobKind.FLINK_DEPLOYMENT, name));
            assertThat(spec.getSavepoint()).isEqualTo(new SavepointSpec("s3://bucket/manual",
                    org.apache.flink.kubernetes.operator.api.status.SavepointFormatType.NATIVE, false, false));
            assertThat(spec.getBackoffLimit()).isZero();
            assertThat(snapshot.getStatus().getState()).isEqualTo(State.COMPLETED);
            assertThat(snapshot.getStatus().getPath()).isEqualTo(result.path());
        }
    }

    @Test
    void savepointTheOperatorFailsIsOperationFailedWithItsErrorOnOneLine() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).snapshotFailure = "org.apache.flink.util.SerializedThrowable:"
                + " java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException:"
                + " Checkpoint Coordinator is suspending.\n\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator.stop(...)";
        try (OperatorSnapshotService service = service(name, Mode.SNAPSHOT_RESOURCE)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class,
                    () -> service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage())
                    .startsWith("savepoint of job " + job + " failed (FlinkStateSnapshot " + NS + "/" + name + "-savepoint-")
                    .endsWith("): CheckpointException: Checkpoint Coordinator is suspending. at"
                            + " org.apache.flink.runtime.checkpoint.CheckpointCoordinator.stop(...)")
                    .doesNotContain("\n");
            assertThat(onlySnapshot(name).getStatus().getState()).isEqualTo(State.FAILED);
        }
    }

    @Test
    void savepointThatNeverCompletesTimesOutAndItsResourceStays() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).snapshotsHang = true;
        try (OperatorSnapshotService service = service(name, Mode.SNAPSHOT_RESOURCE)) {
            long start = System.nanoTime();
            TimeoutException e = catchThrowableOfType(TimeoutException.class,
                    () -> service.triggerSavepoint(job, request(Duration.ofMillis(1500)), listener));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
            String snapshot = onlySnapshot(name).getMetadata().getName();
            assertThat(e.getMessage()).isEqualTo("savepoint of job " + job + " did not complete within 1.5s; FlinkStateSnapshot "
                    + NS + "/" + snapshot + " stays (IN_PROGRESS) and the operator may still complete it");
            assertThat(onlySnapshot(name).getStatus().getState()).isEqualTo(State.IN_PROGRESS);
        }
    }

    @Test
    void autoFallsBackToTheNonceWhereTheClusterHasNoFlinkStateSnapshotKind() throws Exception {
        // an operator before 1.10: its cluster answers 404 for the FlinkStateSnapshot kind, in this namespace
        String ns = "no-snapshot-crd";
        String path = "/apis/flink.apache.org/v1beta1/namespaces/" + ns + "/flinkstatesnapshots";
        var notFound = new StatusBuilder().withCode(404).withReason("NotFound").withMessage("the server could not find the requested resource").build();
        server.expect().post().withPath(path).andReturn(404, notFound).always();
        server.expect().get().withPath(path).andReturn(404, notFound).always();
        JobID job = operator.deploy(ns, name);
        operator.behaviour(ns, name).snapshotResources = false;
        try (OperatorSnapshotService service = new OperatorSnapshotService(client, ns, name, Mode.AUTO, CALL_TIMEOUT)) {
            String previous = deployment(ns, name).getStatus().getJobStatus().getSavepointInfo().getLastSavepoint().getLocation();

            SavepointResult first = service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener);
            SavepointResult second = service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener);

            assertThat(first.path()).startsWith(TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-").isNotEqualTo(previous);
            assertThat(second.path()).startsWith(TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-").isNotEqualTo(first.path());
            FlinkDeployment d = deployment(ns, name);
            assertThat(d.getSpec().getJob().getSavepointTriggerNonce()).isEqualTo(2L);
            assertThat(d.getStatus().getJobStatus().getSavepointInfo().getLastSavepoint().getLocation()).isEqualTo(second.path());
            assertThat(service.listSnapshots()).isEmpty();
        }
    }

    @Test
    void legacyNonceTriggersASavepointAndReturnsTheNewLastSavepoint() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).snapshotResources = false;
        operator.behaviour(NS, name).snapshotDuration = Duration.ofMillis(300);
        try (OperatorSnapshotService service = service(name, Mode.LEGACY_NONCE)) {
            String previous = deployment(NS, name).getStatus().getJobStatus().getSavepointInfo().getLastSavepoint().getLocation();

            SavepointResult result = service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener);

            assertThat(result.path()).startsWith(TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-").isNotEqualTo(previous);
            FlinkDeployment d = deployment(NS, name);
            assertThat(d.getSpec().getJob().getSavepointTriggerNonce()).isEqualTo(1L);
            var last = d.getStatus().getJobStatus().getSavepointInfo().getLastSavepoint();
            assertThat(last.getLocation()).isEqualTo(result.path());
            assertThat(last.getTriggerNonce()).isEqualTo(1L);
            assertThat(snapshots(NS, name)).isEmpty();
        }
    }

    @Test
    void legacyNonceThatTheOperatorGivesUpOnIsOperationFailed() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).snapshotResources = false;
        operator.behaviour(NS, name).snapshotFailure = "CheckpointException: Checkpoint Coordinator is suspending.";
        try (OperatorSnapshotService service = service(name, Mode.LEGACY_NONCE)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class,
                    () -> service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).isEqualTo("savepoint of job " + job + " failed: the operator gave up on"
                    + " savepointTriggerNonce 1 (its reason is in the SavepointError events: kubectl -n " + NS
                    + " describe flinkdeployment " + name + ")");
        }
    }

    @Test
    void legacyNonceFollowsTheFlinkStateSnapshotANewerOperatorMakesOfIt() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.LEGACY_NONCE)) {
            SavepointResult result = service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener);

            FlinkStateSnapshot made = onlySnapshot(name);
            assertThat(made.getMetadata().getName()).startsWith(name + "-savepoint-manual-");
            assertThat(made.getMetadata().getLabels()).doesNotContainKey(OperatorSnapshotService.CREATED_BY_LABEL);
            assertThat(result.path()).isEqualTo(made.getStatus().getPath()).startsWith(TestingFlinkOperator.SAVEPOINT_DIR);
            assertThat(deployment(NS, name).getSpec().getJob().getSavepointTriggerNonce()).isEqualTo(1L);
        }
    }

    @Test
    void stopSuspendsTheDeploymentWithASavepointAndReturnsItsPath() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SavepointResult result = service.stopWithSavepoint(job, request(Duration.ofSeconds(10)), false, listener);

            FlinkDeployment d = deployment(NS, name);
            assertThat(d.getSpec().getJob().getState()).isEqualTo(JobState.SUSPENDED);
            assertThat(d.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
            assertThat(d.getStatus().getJobStatus().getState()).isEqualTo(JobStatus.FINISHED);
            assertThat(result.path()).isEqualTo(d.getStatus().getJobStatus().getUpgradeSavepointPath())
                    .startsWith(TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-" + job.toHexString().substring(0, 6));
            // operator 1.10 records the upgrade savepoint as a FlinkStateSnapshot of its own, completed on its next reconciliation
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(service.listSnapshots()).singleElement().satisfies(s -> {
                assertThat(s.triggerType()).isEqualTo(SnapshotTriggerType.UPGRADE);
                assertThat(s.state()).isEqualTo(State.COMPLETED);
                assertThat(s.path()).isEqualTo(result.path());
                assertThat(s.createdByTidemark()).isFalse();
            }));
        }
    }

    @Test
    void stopWithDrainIsRefusedUnlessTheDeploymentDrains() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class,
                    () -> service.stopWithSavepoint(job, request(Duration.ofSeconds(10)), true, listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).startsWith("--drain is not supported for --target kubernetes unless FlinkDeployment "
                    + NS + "/" + name + " sets kubernetes.operator.job.drain-on-savepoint-deletion");
            assertThat(deployment(NS, name).getSpec().getJob().getState()).isEqualTo(JobState.RUNNING);
        }
    }

    @Test
    void stopWhoseSavepointFailsIsOperationFailedAndSaysTheSpecStaysSuspended() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).snapshotFailure = "org.apache.flink.runtime.checkpoint.CheckpointException: Task has failed.";
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class,
                    () -> service.stopWithSavepoint(job, request(Duration.ofSeconds(10)), false, listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).isEqualTo("stopping job " + job + " with a savepoint failed: CheckpointException: Task has"
                    + " failed.; spec.job.state of FlinkDeployment " + NS + "/" + name + " stays suspended, so the operator will"
                    + " try again: set it back to running to keep the job");
        }
    }

    @Test
    void restoreRedeploysFromTheSavepointAndReturnsTheNewJob() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            String savepoint = service.stopWithSavepoint(job, request(Duration.ofSeconds(10)), false, listener).path();

            JobID restored = service.submit(restore(savepoint, true), listener);

            assertThat(restored).isNotEqualTo(job);
            FlinkDeployment d = deployment(NS, name);
            assertThat(d.getSpec().getJob().getInitialSavepointPath()).isEqualTo(savepoint);
            assertThat(d.getSpec().getJob().getSavepointRedeployNonce()).isEqualTo(1L);
            assertThat(d.getSpec().getJob().getState()).isEqualTo(JobState.RUNNING);
            assertThat(d.getSpec().getJob().getAllowNonRestoredState()).isTrue();
            assertThat(d.getStatus().getJobStatus().getJobId()).isEqualTo(restored.toHexString());
            assertThat(d.getStatus().getJobStatus().getState()).isEqualTo(JobStatus.RUNNING);
            assertThat(service.job(restored).status()).isEqualTo(JobStatus.RUNNING);

            // a second restore, of the running job, increments the nonce again
            JobID again = service.submit(restore(savepoint, false), listener);
            assertThat(again).isNotIn(job, restored);
            assertThat(deployment(NS, name).getSpec().getJob().getSavepointRedeployNonce()).isEqualTo(2L);
        }
    }

    @Test
    void restoreTheOperatorReportsAnErrorForIsOperationFailed() throws Exception {
        operator.deploy(NS, name);
        String bad = "s3://tidemark-test/savepoints/savepoint-000000-forbidden";
        operator.behaviour(NS, name).restoreFailures.put(bad, TestingFlinkOperator.error(
                "org.apache.flink.runtime.client.JobInitializationException", "Could not start the JobMaster.",
                "java.util.concurrent.CompletionException: java.io.IOException: Access Denied\n(Service: S3, Status Code: 403)"));
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, () -> service.submit(restore(bad, false), listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).isEqualTo("restoring FlinkDeployment " + NS + "/" + name + " from " + bad
                    + " failed: IOException: Access Denied (Service: S3, Status Code: 403)");
        }
    }

    @Test
    void restoreFromAPathWithNothingThereIsSnapshotNotFound() throws Exception {
        operator.deploy(NS, name);
        String missing = "s3://tidemark-test/savepoints/savepoint-000000-missing";
        operator.behaviour(NS, name).restoreFailures.put(missing, TestingFlinkOperator.error(
                "org.apache.flink.runtime.JobException", "Recovery is suppressed by NoRestartBackoffTimeStrategy",
                "java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory '" + missing + "' on file system 's3'."));
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, () -> service.submit(restore(missing, false), listener));

            assertThat(e.reason()).isEqualTo(Reason.SNAPSHOT_NOT_FOUND);
            assertThat(e.getMessage()).startsWith("FlinkDeployment " + NS + "/" + name + " cannot start from " + missing + ": nothing is there");
        }
    }

    @Test
    void missingDeploymentIsJobNotFound() throws Exception {
        try (OperatorSnapshotService service = service("no-such-deployment", Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, service::jobs);

            assertThat(e.reason()).isEqualTo(Reason.JOB_NOT_FOUND);
            assertThat(e.getMessage()).startsWith("FlinkDeployment " + NS + "/no-such-deployment not found; ").doesNotContain("\n");
            assertThatThrownBy(() -> service.triggerSavepoint(new JobID(), request(Duration.ofSeconds(5)), listener))
                    .isInstanceOfSatisfying(SnapshotException.class, x -> assertThat(x.reason()).isEqualTo(Reason.JOB_NOT_FOUND));
        }
    }

    @Test
    void jobThatIsNotTheDeploymentsIsJobNotFound() throws Exception {
        JobID job = operator.deploy(NS, name);
        JobID other = new JobID();
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, () -> service.job(other));

            assertThat(e.reason()).isEqualTo(Reason.JOB_NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("job " + other + " is not the job of FlinkDeployment " + NS + "/" + name
                    + ", which runs job " + job);
            for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                    () -> service.triggerSavepoint(other, request(Duration.ofSeconds(5)), listener),
                    () -> service.stopWithSavepoint(other, request(Duration.ofSeconds(5)), false, listener),
                    () -> service.triggerCheckpoint(other, listener),
                    () -> service.checkpointStatus(other))) {
                assertThatThrownBy(call).isInstanceOfSatisfying(SnapshotException.class,
                        x -> assertThat(x.reason()).isEqualTo(Reason.JOB_NOT_FOUND));
            }
            assertThat(snapshots(NS, name)).isEmpty();
            assertThat(deployment(NS, name).getSpec().getJob().getState()).isEqualTo(JobState.RUNNING);
        }
    }

    @Test
    void triggerCheckpointReturnsTheIdInTheCheckpointsPath() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            long id = service.triggerCheckpoint(job, listener);

            FlinkStateSnapshot snapshot = onlySnapshot(name);
            assertThat(snapshot.getSpec().isCheckpoint()).isTrue();
            assertThat(snapshot.getStatus().getPath()).endsWith("/" + job.toHexString() + "/chk-" + id);
            assertThat(id).isGreaterThan(41);
        }
    }

    @Test
    void checkpointWhosePathTheOperatorDoesNotKnowHasNoId() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.behaviour(NS, name).checkpointPaths = false;
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, () -> service.triggerCheckpoint(job, listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).startsWith("checkpoint of job " + job + " completed, but its id is not available: the"
                    + " operator recorded no path for it (FlinkStateSnapshot " + NS + "/" + name + "-checkpoint-");
        }
    }

    @Test
    void checkpointStatusNeedsTheRestTarget() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, () -> service.checkpointStatus(job));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).startsWith("checkpoint status needs the REST target: ")
                    .contains("port-forward svc/" + name + "-rest 8081");
        }
    }

    @Test
    void disposeDeletesTheSavepointsFlinkStateSnapshotWithDisposeOnDelete() throws Exception {
        JobID job = operator.deploy(NS, name);
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            String path = service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener).path();

            service.disposeSavepoint(path, listener);

            assertThat(operator.disposed()).contains(path);
            assertThat(snapshots(NS, name)).isEmpty();
        }
    }

    @Test
    void disposeOfASavepointNoFlinkStateSnapshotRecordsIsRefused() throws Exception {
        operator.deploy(NS, name);
        String path = TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-123456-abcdefabcdef";
        try (OperatorSnapshotService service = service(name, Mode.AUTO)) {
            SnapshotException e = catchThrowableOfType(SnapshotException.class, () -> service.disposeSavepoint(path, listener));

            assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
            assertThat(e.getMessage()).isEqualTo("no FlinkStateSnapshot in namespace " + NS + " records savepoint " + path
                    + ", so the operator cannot dispose of it; dispose of it from storage instead (tidemark savepoint dispose "
                    + path + " without --target kubernetes)");
            assertThat(operator.disposed()).doesNotContain(path);
        }
    }

    @Test
    void listSnapshotsListsTheDeploymentsFlinkStateSnapshotsOnly() throws Exception {
        JobID job = operator.deploy(NS, name);
        operator.deploy(NS, name + "-other");
        try (OperatorSnapshotService service = service(name, Mode.AUTO);
                OperatorSnapshotService other = service(name + "-other", Mode.AUTO)) {
            String savepoint = service.triggerSavepoint(job, request(Duration.ofSeconds(10)), listener).path();
            long checkpoint = service.triggerCheckpoint(job, listener);
            // one a user wrote, for a job that is not running: the operator abandons it
            FlinkStateSnapshot manual = new FlinkStateSnapshot();
            manual.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name + "-by-hand").build());
            FlinkStateSnapshotSpec spec = new FlinkStateSnapshotSpec();
            spec.setJobReference(new JobReference(JobKind.FLINK_DEPLOYMENT, name + "-gone"));
            spec.setSavepoint(new SavepointSpec());
            manual.setSpec(spec);
            client.resource(manual).create();
            other.triggerSavepoint(deploymentJob(name + "-other"), request(Duration.ofSeconds(10)), listener);

            List<OperatorSnapshot> listed = service.listSnapshots();

            assertThat(listed).extracting(OperatorSnapshot::kind, OperatorSnapshot::state, OperatorSnapshot::triggerType,
                            OperatorSnapshot::createdByTidemark)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(SnapshotKind.SAVEPOINT, State.COMPLETED, SnapshotTriggerType.MANUAL, true),
                            org.assertj.core.groups.Tuple.tuple(SnapshotKind.CHECKPOINT, State.COMPLETED, SnapshotTriggerType.MANUAL, true));
            assertThat(listed).extracting(OperatorSnapshot::path)
                    .containsExactlyInAnyOrder(savepoint, TestingFlinkOperator.CHECKPOINT_DIR + "/" + job.toHexString() + "/chk-" + checkpoint);
            assertThat(listed).allSatisfy(s -> {
                assertThat(s.name()).startsWith(name + "-");
                assertThat(s.created()).isNotNull();
                assertThat(s.error()).isNull();
            });
            assertThat(other.listSnapshots()).singleElement().extracting(OperatorSnapshot::state).isEqualTo(State.COMPLETED);
        }
    }

    private OperatorSnapshotService service(String deployment, Mode mode) {
        Configuration options = new Configuration();
        options.set(OperatorSnapshotOptions.SUBMIT_TIMEOUT, Duration.ofSeconds(10));
        options.set(OperatorSnapshotOptions.DISPOSE_TIMEOUT, Duration.ofSeconds(10));
        return new OperatorSnapshotService(client, NS, deployment, mode, CALL_TIMEOUT, options);
    }

    private static SavepointRequest request(Duration timeout) {
        return new SavepointRequest(null, SavepointFormatType.CANONICAL, timeout);
    }

    private static JobSubmission restore(String path, boolean allowNonRestoredState) {
        // the jar and entry class are the FlinkDeployment's: ignored by this target
        return new JobSubmission(Path.of("ignored.jar"), "ignored.Main", List.of(), path, RestoreMode.NO_CLAIM, allowNonRestoredState);
    }

    private static FlinkDeployment deployment(String namespace, String name) {
        return client.resources(FlinkDeployment.class).inNamespace(namespace).withName(name).get();
    }

    private static JobID deploymentJob(String name) {
        return JobID.fromHexString(deployment(NS, name).getStatus().getJobStatus().getJobId());
    }

    private static List<FlinkStateSnapshot> snapshots(String namespace, String deployment) {
        return client.resources(FlinkStateSnapshot.class).inNamespace(namespace).list().getItems().stream()
                .filter(s -> s.getSpec().getJobReference() != null && deployment.equals(s.getSpec().getJobReference().getName()))
                .toList();
    }

    private static FlinkStateSnapshot onlySnapshot(String deployment) {
        List<FlinkStateSnapshot> snapshots = snapshots(NS, deployment);
        assertThat(snapshots).hasSize(1);
        return snapshots.get(0);
    }
}
