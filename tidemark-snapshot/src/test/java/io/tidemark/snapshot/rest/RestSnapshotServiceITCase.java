package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.runtime.webmonitor.handlers.JarListHeaders;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link RestSnapshotService} against a real Flink cluster: one MiniCluster per class with its REST
 * endpoint, and {@link CountingJob} uploaded in a jar built from the test classes and run through
 * {@code /jars/:id/run}, as a user's job would be. Each test starts its own jobs; they are
 * cancelled after it.
 */
class RestSnapshotServiceITCase {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SAVEPOINT_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path root;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() -> new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(clusterConfig())
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final AtomicInteger FILES = new AtomicInteger();

    private static Path jar;
    private static RestSnapshotService service;
    private static RestClusterClient<StandaloneClusterId> admin;

    private static Configuration clusterConfig() {
        Configuration config = new Configuration();
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, root.resolve("checkpoints").toUri().toString());
        config.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, root.resolve("savepoints").toUri().toString());
        config.set(WebOptions.UPLOAD_DIR, root.resolve("web-upload").toString());
        // the REST API caches checkpoint statistics for 3 s by default; the tests read them right after a checkpoint
        config.set(RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT, Duration.ofMillis(100));
        // the REST API shows metrics fetched every 10 s by default; the tests read them right after a job starts
        config.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return config;
    }

    @BeforeAll
    static void connect() throws Exception {
        jar = CountingJobJar.write(root.resolve("counting-job.jar"));
        Configuration client = CLUSTER.getClientConfiguration();
        URI address = URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT));
        service = RestSnapshotService.connect(address, new Configuration(), CALL_TIMEOUT);
        admin = new RestClusterClient<>(client, StandaloneClusterId.getInstance());
    }

    @AfterAll
    static void disconnect() {
        if (service != null) {
            service.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    /** Frees the slots for the next test. */
    @AfterEach
    void cancelJobs() throws Exception {
        for (JobStatusMessage job : admin.listJobs().get(10, TimeUnit.SECONDS)) {
            if (!job.getJobState().isGloballyTerminalState()) {
                admin.cancel(job.getJobId()).get(10, TimeUnit.SECONDS);
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.listJobs().get(10, TimeUnit.SECONDS).stream()
                .allMatch(job -> job.getJobState().isGloballyTerminalState()));
    }

    @Test
    void jobsListsTheSubmittedJob() throws Exception {
        JobID job = start(output());

        List<JobSummary> jobs = service.jobs();

        assertThat(jobs).filteredOn(j -> j.id().equals(job)).singleElement().satisfies(j -> {
            assertThat(j.name()).isEqualTo(CountingJob.NAME);
            assertThat(j.status()).isEqualTo(JobStatus.RUNNING);
        });
        assertThat(jobs).isSortedAccordingTo((a, b) -> b.startTime().compareTo(a.startTime()));
        assertThat(service.job(job)).isEqualTo(jobs.stream().filter(j -> j.id().equals(job)).findFirst().orElseThrow());
        // the uploaded jar was deleted once the job was submitted
        assertThat(admin.sendRequest(JarListHeaders.getInstance(), EmptyMessageParameters.getInstance(), EmptyRequestBody.getInstance())
                .get(10, TimeUnit.SECONDS).jarFileList).isEmpty();
    }

    @Test
    void triggerSavepointWritesItToTheClusterDefaultDirectoryAndReportsProgress() throws Exception {
        Path out = output();
        // every snapshot of this job takes 1.2 s, so the wait lasts long enough to be reported
        JobID job = start(out, "--snapshot-delay-ms", "1200");
        awaitLines(out, 1);
        List<String> progress = new CopyOnWriteArrayList<>();

        SavepointResult savepoint = service.triggerSavepoint(job, new SavepointRequest(null, SavepointFormatType.CANONICAL, SAVEPOINT_TIMEOUT),
                (what, elapsed) -> progress.add(what + " " + elapsed.toSeconds()));

        assertThat(savepoint.job()).isEqualTo(job);
        assertThat(local(savepoint.path())).startsWith(root.resolve("savepoints")).isDirectory();
        assertThat(local(savepoint.path()).resolve("_metadata")).isNotEmptyFile();
        assertThat(savepoint.took()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(progress).isNotEmpty().allMatch(p -> p.startsWith("savepoint of job " + job + " "));
        assertThat(service.job(job).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void triggerCheckpointCompletesOneThatCheckpointStatusReportsWithTheJobsConfiguration() throws Exception {
        Path out = output();
        JobID job = start(out);
        awaitLines(out, 1);

        long checkpoint = service.triggerCheckpoint(job, ProgressListener.NONE);

        assertThat(checkpoint).isPositive();
        // periodic checkpoints run every 500 ms, so a later one may already be the latest
        CheckpointStatus status = await().atMost(Duration.ofSeconds(10)).until(() -> service.checkpointStatus(job),
                s -> s.latestCompleted() != null && s.latestCompleted().id() >= checkpoint);
        assertThat(status.job()).isEqualTo(job);
        assertThat(status.counts().completed()).isPositive();
        assertThat(status.counts().triggered()).isGreaterThanOrEqualTo(status.counts().completed());
        assertThat(status.latestCompleted().externalPath()).startsWith(root.resolve("checkpoints").toUri().toString().replace("file:///", "file:/"));
        assertThat(status.restored()).isNull();
        assertThat(status.config()).isEqualTo(new CheckpointStatus.Config(
                "EXACTLY_ONCE",
                CountingJob.CHECKPOINT_INTERVAL,
                CountingJob.CHECKPOINT_TIMEOUT,
                CountingJob.MIN_PAUSE,
                1,
                true,
                true,
                "FileSystemCheckpointStorage",
                "HashMapStateBackend"));
    }

    @Test
    void recentCheckpointsCarryTheirSizesDurationsAndAlignmentAndTheJobsTidemarkMetricsAreRead() throws Exception {
        Path out = output();
        JobID job = start(out, "--snapshot-delay-ms", "30");
        awaitLines(out, 1);
        long triggered = service.triggerCheckpoint(job, ProgressListener.NONE);

        List<RecentCheckpoint> recent = await().atMost(Duration.ofSeconds(20)).until(() -> service.recentCheckpoints(job),
                // three completed: the newest may still be in progress when the history is read
                r -> r.stream().filter(c -> c.status() == RecentCheckpoint.Status.COMPLETED).count() >= 3
                        && r.get(0).id() > triggered);

        assertThat(recent).extracting(RecentCheckpoint::id).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(recent).extracting(RecentCheckpoint::id).contains(triggered);
        assertThat(recent).filteredOn(c -> c.status() == RecentCheckpoint.Status.COMPLETED).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(c -> {
                    assertThat(c.savepoint()).isFalse();
                    assertThat(c.checkpointedSizeBytes()).isPositive();
                    assertThat(c.stateSizeBytes()).isPositive();
                    // the counter sleeps 30 ms in every snapshot
                    assertThat(c.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
                    assertThat(c.acknowledgedSubtasks()).isEqualTo(c.subtasks()).isEqualTo(2);
                    assertThat(c.alignment()).isNotNull().isGreaterThanOrEqualTo(Duration.ZERO);
                    assertThat(c.startDelay()).isNotNull().isGreaterThanOrEqualTo(Duration.ZERO);
                    assertThat(c.failureMessage()).isNull();
                });

        // CountingJob reports metrics under Tidemark's names and groups; Flink reports the table's dot as an underscore
        TidemarkMetrics metrics = await().atMost(Duration.ofSeconds(20)).until(() -> service.tidemarkMetrics(job),
                m -> !m.sinkTables().isEmpty() && m.sinkTables().get(0).changesApplied() != null
                        && m.sinkTables().get(0).changesApplied() > 0 && !m.sources().isEmpty());
        assertThat(metrics.sinkTables()).singleElement().satisfies(t -> {
            assertThat(t.sink()).isEqualTo("counts");
            assertThat(t.table()).isEqualTo(CountingJob.TABLE.replace('.', '_'));
            assertThat(t.lagMs()).isEqualTo(CountingJob.LAG_MS);
        });
        assertThat(metrics.sources()).containsExactly(new TidemarkMetrics.Source("numbers", CountingJob.BACKLOG_BYTES, null));
        assertThat(metrics.deadLettersPending()).as("the job reports no dead-letter gauge").isNull();
    }

    @Test
    void stopWithSavepointLeavesTheJobFinishedAndTheSavepointInTheTargetDirectory() throws Exception {
        Path out = output();
        JobID job = start(out);
        awaitLines(out, 1);
        Path target = Files.createDirectories(root.resolve("stopped-" + FILES.incrementAndGet()));

        SavepointResult savepoint = service.stopWithSavepoint(job, request(target), false, ProgressListener.NONE);

        assertThat(service.job(job).status()).isEqualTo(JobStatus.FINISHED);
        assertThat(local(savepoint.path())).startsWith(target);
        assertThat(local(savepoint.path()).resolve("_metadata")).isNotEmptyFile();
        assertThatThrownBy(() -> service.triggerSavepoint(job, request(target), ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.OPERATION_FAILED);
                    assertThat(e.getMessage()).isEqualTo("cannot take a savepoint of job " + job
                            + ": it is FINISHED already; to run it again, restore it from its latest savepoint");
                });
    }

    @Test
    void aJobSubmittedFromASavepointResumesItsSourceAndCounters() throws Exception {
        Path before = output();
        JobID first = start(before);
        awaitLines(before, 20);
        SavepointResult savepoint = service.stopWithSavepoint(first, request(root.resolve("savepoints")), false, ProgressListener.NONE);
        List<long[]> counted = lines(before);

        Path after = output();
        JobID second = service.submit(submission(after, savepoint.path(), false), ProgressListener.NONE);
        awaitLines(after, 2 * CountingJob.KEYS);

        CheckpointStatus status = await().atMost(Duration.ofSeconds(10))
                .until(() -> service.checkpointStatus(second), s -> s.restored() != null);
        assertThat(status.restored().externalPath()).isEqualTo(savepoint.path());
        assertThat(status.restored().savepoint()).isTrue();
        // nothing counted twice and nothing skipped: the source goes on with the next number, each counter with its next count
        List<long[]> resumed = lines(after);
        assertThat(resumed.get(0)[0]).isEqualTo(counted.get(counted.size() - 1)[0] + 1);
        Map<Long, Long> lastBefore = new HashMap<>();
        counted.forEach(l -> lastBefore.put(l[1], l[2]));
        Map<Long, Long> firstAfter = new HashMap<>();
        resumed.forEach(l -> firstAfter.putIfAbsent(l[1], l[2]));
        assertThat(lastBefore).hasSize(CountingJob.KEYS);
        assertThat(firstAfter).hasSize(CountingJob.KEYS);
        lastBefore.forEach((key, count) -> assertThat(firstAfter.get(key)).as("first count of key %s", key).isEqualTo(count + 1));
    }

    @Test
    void disposeSavepointDeletesItsDirectoryAndThenFindsNothing() throws Exception {
        Path out = output();
        JobID job = start(out);
        awaitLines(out, 1);
        SavepointResult savepoint = service.triggerSavepoint(job, request(root.resolve("disposed")), ProgressListener.NONE);
        assertThat(local(savepoint.path())).isDirectory();

        service.disposeSavepoint(savepoint.path(), ProgressListener.NONE);

        assertThat(local(savepoint.path())).doesNotExist();
        assertThatThrownBy(() -> service.disposeSavepoint(savepoint.path(), ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.SNAPSHOT_NOT_FOUND);
                    assertThat(e.getMessage()).contains(savepoint.path()).doesNotContain("\n");
                });
    }

    @Test
    void aJobTheClusterDoesNotKnowIsJobNotFound() {
        JobID unknown = new JobID();
        List<ThrowingCall> calls = List.of(
                () -> service.job(unknown),
                () -> service.triggerSavepoint(unknown, request(root), ProgressListener.NONE),
                () -> service.stopWithSavepoint(unknown, request(root), false, ProgressListener.NONE),
                () -> service.triggerCheckpoint(unknown, ProgressListener.NONE),
                () -> service.checkpointStatus(unknown),
                () -> service.recentCheckpoints(unknown),
                () -> service.tidemarkMetrics(unknown));
        for (ThrowingCall call : calls) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(SnapshotException.class, e -> {
                assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.JOB_NOT_FOUND);
                assertThat(e.getMessage())
                        .startsWith("job " + unknown + " is not known to the cluster at " + service.address() + ";")
                        .doesNotContain("\n");
            });
        }
    }

    @Test
    void anAddressWhereNothingListensIsClusterUnreachableWithinSeconds() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertUnreachable("http://localhost:" + port, "Connection refused");
    }

    @Test
    void anUnknownHostIsClusterUnreachableWithinSeconds() throws Exception {
        // .invalid never resolves (RFC 6761)
        assertUnreachable("http://flink-jobmanager.invalid:8081", "unknown host");
    }

    private static void assertUnreachable(String address, String reason) throws Exception {
        try (RestSnapshotService nowhere = RestSnapshotService.connect(URI.create(address), new Configuration(), CALL_TIMEOUT)) {
            List<ThrowingCall> calls = List.of(
                    nowhere::jobs,
                    () -> nowhere.triggerSavepoint(new JobID(), request(root), ProgressListener.NONE),
                    () -> nowhere.submit(submission(output(), null, false), ProgressListener.NONE));
            for (ThrowingCall call : calls) {
                long started = System.nanoTime();
                assertThatThrownBy(call::run).isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.CLUSTER_UNREACHABLE);
                    assertThat(e.getMessage()).startsWith("cannot reach Flink's REST API at " + address + ": " + reason)
                            .doesNotContain("\n");
                });
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void aSavepointThatOutlastsItsTimeoutIsATimeoutException() throws Exception {
        Path out = output();
        JobID job = start(out, "--snapshot-delay-ms", "4000");
        awaitLines(out, 1);
        long started = System.nanoTime();

        assertThatThrownBy(() -> service.triggerSavepoint(job,
                new SavepointRequest(null, SavepointFormatType.CANONICAL, Duration.ofSeconds(1)), ProgressListener.NONE))
                .isInstanceOf(TimeoutException.class)
                .hasMessage("savepoint of job " + job + " did not complete within 1s; it may still complete on the cluster");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void restoringFromAPathWhereNothingIsIsSnapshotNotFound() {
        String missing = root.resolve("no-such-savepoint").toUri().toString();

        assertThatThrownBy(() -> service.submit(submission(output(), missing, false), ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.SNAPSHOT_NOT_FOUND);
                    assertThat(e.getMessage()).contains(missing).doesNotContain("\n");
                });
    }

    @Test
    void restoringFromADirectoryWithoutMetadataIsNotASnapshot() throws Exception {
        String empty = Files.createDirectories(root.resolve("empty-savepoint")).toUri().toString();

        assertThatThrownBy(() -> service.submit(submission(output(), empty, false), ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.NOT_A_SNAPSHOT);
                    assertThat(e.getMessage()).contains(empty).doesNotContain("\n");
                });
    }

    @Test
    void restoringFromAMetadataFileFlinkCannotReadIsCorruptSnapshot() throws Exception {
        Path damaged = Files.createDirectories(root.resolve("damaged-savepoint"));
        Files.writeString(damaged.resolve("_metadata"), "this is not a savepoint", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> service.submit(submission(output(), damaged.toUri().toString(), false), ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.CORRUPT_SNAPSHOT);
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }

    @Test
    void restoringStateOfAnOperatorTheJobNoLongerHasIsIncompatibleStateUnlessAllowed() throws Exception {
        Path out = output();
        JobID old = start(out, "--counter-uid", "counter-v0");
        awaitLines(out, 1);
        SavepointResult savepoint = service.stopWithSavepoint(old, request(root.resolve("savepoints")), false, ProgressListener.NONE);

        assertThatThrownBy(() -> service.submit(submission(output(), savepoint.path(), false), ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.INCOMPATIBLE_STATE);
                    assertThat(e.getMessage()).contains("Cannot map checkpoint/savepoint state for operator").doesNotContain("\n");
                });

        JobID dropped = service.submit(submission(output(), savepoint.path(), true), ProgressListener.NONE);
        assertThat(service.job(dropped).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aJarWithoutTheEntryClassIsOperationFailed() {
        JobSubmission missingClass = new JobSubmission(jar, "io.tidemark.NoSuchJob", List.of(), null, RestoreMode.NO_CLAIM, false);

        assertThatThrownBy(() -> service.submit(missingClass, ProgressListener.NONE))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.OPERATION_FAILED);
                    assertThat(e.getMessage()).contains("io.tidemark.NoSuchJob").doesNotContain("\n");
                });
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static JobID start(Path out, String... args) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--out", out.toString()));
        arguments.addAll(List.of(args));
        JobID job = service.submit(new JobSubmission(jar, CountingJob.class.getName(), arguments, null, RestoreMode.NO_CLAIM, false),
                ProgressListener.NONE);
        assertThat(service.job(job).status()).isEqualTo(JobStatus.RUNNING);
        return job;
    }

    private static JobSubmission submission(Path out, String restorePath, boolean allowNonRestoredState) {
        return new JobSubmission(jar, CountingJob.class.getName(), List.of("--out", out.toString()), restorePath,
                RestoreMode.NO_CLAIM, allowNonRestoredState);
    }

    private static SavepointRequest request(Path target) {
        return new SavepointRequest(target.toUri().toString(), SavepointFormatType.CANONICAL, SAVEPOINT_TIMEOUT);
    }

    private static Path output() {
        return root.resolve("counts-" + FILES.incrementAndGet() + ".txt");
    }

    private static void awaitLines(Path out, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(out) && lines(out).size() >= count);
    }

    /** The lines a {@link CountingJob} wrote: number, key, count. */
    private static List<long[]> lines(Path out) throws IOException {
        try (Stream<String> lines = Files.lines(out)) {
            return lines.filter(l -> !l.isBlank())
                    .map(l -> Stream.of(l.split(" ")).mapToLong(Long::parseLong).toArray())
                    .filter(l -> l.length == 3)
                    .toList();
        }
    }

    private static Path local(String path) {
        return Path.of(URI.create(path));
    }
}
