package io.tidemark.cli;

import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.rest.RestSnapshotService;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobID;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.BlobStores;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The savepoint lifecycle as an operator runs it against a Flink cluster's REST endpoint (a real
 * MiniCluster), with the Tidemark pipeline (PostgreSQL → PostgreSQL) as the job: {@code tidemark
 * savepoint trigger} while changes flow, {@code savepoint stop}, changes while the job is down,
 * {@code tidemark restore} (jar uploaded and run through REST) → the job resumes where it stopped
 * and the sink equals the source; then the spec's two scripts run as processes, as a user runs them,
 * with their failures: unknown job, unreachable cluster, a path that is no snapshot, a corrupt one.
 */
class SnapshotLifecycleITCase extends OrdersServerTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger PIPELINES = new AtomicInteger();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .setConfiguration(clusterConfig())
            .build());


    @TempDir
    Path dir;

    private URI rest;
    private RestClusterClient<?> client;
    private String name;
    private String sourceDb;
    private String sinkDb;
    private Path pipelineFile;
    private Path savepoints;
    private final List<JobID> started = new ArrayList<>();
    private OrdersPipeline pipeline;

    private static Configuration clusterConfig() {
        Configuration config = new Configuration();
        // what the REST API shows is cached: checkpoint statistics for 3 s, metrics for 10 s by default;
        // `checkpoint status --watch` is read here every second
        config.set(RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT, Duration.ofMillis(100));
        config.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return config;
    }

    @BeforeEach
    void createPipeline(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        this.client = client;
        rest = URI.create(client.getWebInterfaceURL());
        pipeline = OrdersPipeline.create(postgres, dir, "lifecycle", PIPELINES.incrementAndGet());
        name = pipeline.name();
        sourceDb = pipeline.sourceDb();
        sinkDb = pipeline.sinkDb();
        pipelineFile = pipeline.file();
        savepoints = pipeline.savepoints();
    }

    @AfterEach
    void cancelJobs(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        for (JobID job : started) {
            try {
                if (!client.getJobStatus(job).get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    client.cancel(job).get(30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // already gone
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> started.stream().allMatch(job -> {
            try {
                return client.getJobStatus(job).get(10, TimeUnit.SECONDS).isGloballyTerminalState();
            } catch (Exception e) {
                return true;
            }
        }));
    }

    @Test
    void triggerStopAndRestoreThroughRestResumeWhereTheJobStoppedAndTheSinkEqualsTheSource() throws Exception {
        pipeline.insert(300);
        JobID first = start();
        pipeline.awaitSinkEqualsSource();

        CliRun trigger = CliRun.of("savepoint", "trigger", first.toString(), "--rest-address", rest.toString(),
                "--config", pipelineFile.toString());
        assertThat(trigger.exitCode()).as(trigger.toString()).isZero();
        String triggered = trigger.out().strip();
        assertThat(triggered).doesNotContain("\n").startsWith(savepoints.toUri().toString().replace("file:///", "file:/"));
        assertThat(Path.of(URI.create(triggered)).resolve("_metadata")).isNotEmptyFile();

        CliRun listed = CliRun.of("savepoint", "list", "--config", pipelineFile.toString(), "--output", "json");
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        JsonNode found = snapshot(JSON.readTree(listed.out()), triggered);
        assertThat(found.get("kind").asText()).isEqualTo("SAVEPOINT");
        assertThat(found.get("complete").asBoolean()).isTrue();
        assertThat(found.get("sizeBytes").asLong()).isPositive();
        assertThat(found.get("jobId").isNull()).as("storage alone: the directory names only a prefix").isTrue();
        assertThat(first.toString()).startsWith(found.get("jobIdPrefix").asText());
        // the cluster records the savepoint: its whole job id, in the table too
        CliRun withCluster = CliRun.of("savepoint", "list", "--config", pipelineFile.toString(), "--rest-address",
                rest.toString(), "--output", "json");
        assertThat(withCluster.exitCode()).as(withCluster.toString()).isZero();
        assertThat(snapshot(JSON.readTree(withCluster.out()), triggered).get("jobId").asText()).isEqualTo(first.toString());
        CliRun table = CliRun.of("savepoint", "list", "--config", pipelineFile.toString(), "--rest-address", rest.toString());
        assertThat(table.outLines()).as(table.toString())
                .anySatisfy(line -> assertThat(line).contains(first.toString(), triggered.substring(triggered.lastIndexOf('/') + 1)));

        pipeline.updateAndDelete(1, 100);
        pipeline.insert(100);
        CliRun stop = CliRun.of("savepoint", "stop", first.toString(), "--rest-address", rest.toString(),
                "--target-dir", savepoints.toUri().toString(), "--output", "json");
        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        String stopped = JSON.readTree(stop.out()).get("path").asText();
        assertThat(status(first)).isEqualTo(JobStatus.FINISHED);
        long appliedBeforeRestore = pipeline.sinkRows().size();

        // while the job is down the source keeps changing
        pipeline.updateAndDelete(101, 250);
        pipeline.insert(200);

        CliRun restore = CliRun.of("restore", stopped, "--config", pipelineFile.toString(), "--rest-address",
                rest.toString(), "--jar", CliJar.path().toString());
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        JobID resumed = JobID.fromHexString(restore.out().strip());
        started.add(resumed);
        assertThat(status(resumed)).isEqualTo(JobStatus.RUNNING);
        pipeline.awaitSinkEqualsSource();
        assertThat(appliedBeforeRestore).isPositive();

        CliRun status = CliRun.of("checkpoint", "status", resumed.toString(), "--rest-address", rest.toString(),
                "--output", "json");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        JsonNode restoredFrom = JSON.readTree(status.out()).get("checkpoints").get("restoredFrom");
        assertThat(restoredFrom.get("savepoint").asBoolean()).isTrue();
        assertThat(normalize(restoredFrom.get("path").asText())).isEqualTo(normalize(stopped));
        assertThat(sourceSnapshotRuns()).as("the restored job did not read the table again").isEqualTo(1);

        // retention: the savepoint the running job restored from and the newest one stay, the older one goes
        CliRun newest = CliRun.of("savepoint", "trigger", resumed.toString(), "--rest-address", rest.toString(),
                "--config", pipelineFile.toString());
        assertThat(newest.exitCode()).as(newest.toString()).isZero();
        String[] cleanup = {"savepoint", "cleanup", "--keep-last", "0", "--rest-address", rest.toString(), "--config",
                pipelineFile.toString(), "--output", "json"};
        CliRun dryRun = CliRun.of(concat(cleanup, "--dry-run"));
        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(deletedPaths(dryRun)).containsExactly(normalize(triggered));
        assertThat(Path.of(URI.create(triggered))).as("a dry run deletes nothing").exists();

        CliRun cleaned = CliRun.of(cleanup);
        assertThat(cleaned.exitCode()).as(cleaned.toString()).isZero();
        JsonNode report = JSON.readTree(cleaned.out());
        assertThat(deletedPaths(cleaned)).containsExactly(normalize(triggered));
        assertThat(report.get("bytesFreed").asLong()).isPositive();
        assertThat(Path.of(URI.create(triggered))).doesNotExist();
        assertThat(Path.of(URI.create(stopped)).resolve("_metadata")).as("in use by the running job").isNotEmptyFile();
        assertThat(Path.of(URI.create(newest.out().strip())).resolve("_metadata")).as("the newest").isNotEmptyFile();
    }

    /**
     * {@code checkpoint status --watch} on the running pipeline while changes stream: three frames a
     * second apart, as text and as NDJSON, with the recent checkpoints (ids going up, durations and
     * sizes), the lag of the pipeline's table (Tidemark's own metric, read through REST) and how the
     * watch ends with the job: 0 once it finished, the unknown-job line and code for a wrong id.
     */
    @Test
    void checkpointStatusWatchShowsTheRecentCheckpointsAndTheLagOfARunningJob() throws Exception {
        pipeline.insert(100);
        JobID job = start();
        pipeline.awaitSinkEqualsSource();
        // the sink has the rows before the checkpoint that commits them; a frame's table needs one complete
        try (RestSnapshotService service = RestSnapshotService.connect(rest, new Configuration(), Duration.ofSeconds(30))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> service.checkpointStatus(job).counts().completed() > 0);
        }
        String[] watch = {"checkpoint", "status", job.toString(), "--rest-address", rest.toString(), "--watch",
                "--interval", "1s", "--iterations", "3"};
        AtomicBoolean stop = new AtomicBoolean();
        Thread workload = new Thread(() -> {
            while (!stop.get()) {
                try {
                    pipeline.insert(5);
                    TimeUnit.MILLISECONDS.sleep(50);
                } catch (Exception e) {
                    return;
                }
            }
        });
        workload.start();
        CliRun text;
        CliRun json;
        try {
            text = CliRun.of(watch);
            json = CliRun.of(concat(watch, "--output", "json"));
        } finally {
            stop.set(true);
            workload.join();
        }
        System.out.println("SnapshotLifecycleITCase: tidemark checkpoint status JOB --watch --interval 1s --iterations 3\n" + text);

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.err()).isEmpty();
        List<List<String>> frames = WatchOutput.frames(text.out(), "job " + job + " (tidemark-" + name + "): RUNNING");
        assertThat(frames).as(text.out()).hasSize(3);
        List<Long> newest = new ArrayList<>();
        for (List<String> frame : frames) {
            List<WatchOutput.CheckpointRow> rows = WatchOutput.checkpoints(frame);
            assertThat(rows).as(String.join("\n", frame)).isNotEmpty().hasSizeLessThanOrEqualTo(10);
            newest.add(rows.get(0).id());
            assertThat(rows).filteredOn(r -> r.status().equals("COMPLETED")).isNotEmpty().allSatisfy(r -> {
                assertThat(r.durationMillis()).as("duration").isNotNegative();
                assertThat(r.alignmentMillis()).as("alignment").isNotNegative();
                assertThat(r.startDelayMillis()).as("start delay").isNotNegative();
                assertThat(r.sizeBytes()).as("size").isPositive();
            });
            assertThat(frame).anySatisfy(line -> assertThat(line).matches("  duration +\\S+ +\\d.*"));
            assertThat(frame).anySatisfy(line -> assertThat(line).matches("  size +\\S+ +\\d.*"));
            // Tidemark's lag of the pipeline's one table in its one sink (Flink reports the table's dot as _)
            assertThat(frame).anySatisfy(line -> assertThat(line).matches("warehouse +public_orders +\\d+(\\.\\d)? (ms|s) .*"));
        }
        assertThat(newest).as("the newest checkpoint of each frame").isSortedAccordingTo(Long::compare);
        assertThat(newest.get(2)).as("checkpoints went on while watched").isGreaterThan(newest.get(0));

        assertThat(json.exitCode()).as(json.toString()).isZero();
        List<JsonNode> objects = new ArrayList<>();
        for (String line : json.outLines()) {
            objects.add(JSON.readTree(line));
        }
        assertThat(objects).as(json.out()).hasSize(3);
        List<Long> newestInJson = new ArrayList<>();
        for (JsonNode frame : objects) {
            assertThat(frame.get("jobId").asText()).isEqualTo(job.toString());
            assertThat(frame.get("state").asText()).isEqualTo("RUNNING");
            assertThat(frame.get("checkpoints").get("counts").get("completed").asLong()).isPositive();
            JsonNode recent = frame.get("recentCheckpoints");
            assertThat(recent.size()).isBetween(1, 10);
            newestInJson.add(recent.get(0).get("id").asLong());
            for (JsonNode checkpoint : recent) {
                if (checkpoint.get("status").asText().equals("COMPLETED")) {
                    assertThat(checkpoint.get("durationMillis").isIntegralNumber()).as(checkpoint.toString()).isTrue();
                    assertThat(checkpoint.get("checkpointedSizeBytes").asLong()).as(checkpoint.toString()).isPositive();
                    assertThat(checkpoint.get("alignmentMillis").isIntegralNumber()).as(checkpoint.toString()).isTrue();
                }
            }
            assertThat(frame.get("sinkTables")).as(frame.toString()).anySatisfy(t -> {
                assertThat(t.get("sink").asText()).isEqualTo("warehouse");
                assertThat(t.get("table").asText()).isEqualTo("public_orders");
                assertThat(t.get("lagMs").isIntegralNumber()).as(t.toString()).isTrue();
            });
        }
        assertThat(newestInJson).isSortedAccordingTo(Long::compare);
        assertThat(newestInJson.get(2)).isGreaterThan(newestInJson.get(0));

        // a job that ends while watched ends the watch: 0 for a stop with a savepoint (FINISHED)
        stopWithSavepoint(job);
        CliRun finished = CliRun.of("checkpoint", "status", job.toString(), "--rest-address", rest.toString(), "--watch");
        assertThat(finished.exitCode()).as(finished.toString()).isZero();
        assertThat(WatchOutput.frames(finished.out(), "job " + job + " (tidemark-" + name + "): FINISHED")).hasSize(1);

        CliRun unknown = CliRun.of("checkpoint", "status", new JobID().toString(), "--rest-address", rest.toString(), "--watch");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(unknown.errLines()).singleElement().asString().startsWith("tidemark: job ").contains("is not known to the cluster");
        assertThat(unknown.out()).isEmpty();
    }

    private static List<String> deletedPaths(CliRun run) throws IOException {
        List<String> paths = new ArrayList<>();
        JSON.readTree(run.out()).get("deleted").forEach(d -> paths.add(normalize(d.get("path").asText())));
        return paths;
    }

    private static String[] concat(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void theSpecsScriptsPrintThePathAndTheJobIdAndFailWithOneLineAndTheirExitCodes() throws Exception {
        pipeline.insert(100);
        JobID job = start();
        pipeline.awaitSinkEqualsSource();
        Map<String, String> env = Map.of("TIDEMARK_REST_ADDRESS", rest.toString(), "TIDEMARK_PIPELINE",
                pipelineFile.toString(), "TIDEMARK_JOB_JAR", CliJar.path().toString());

        ShellRun usage = ShellRun.script("trigger_savepoint.sh", env);
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.out()).isEmpty();
        assertThat(usage.err()).startsWith("usage: trigger_savepoint.sh <job_id>");

        ShellRun triggered = ShellRun.script("trigger_savepoint.sh", env, job.toString());
        assertThat(triggered.exitCode()).as(triggered.toString()).isZero();
        String path = triggered.out().strip();
        assertThat(path).doesNotContain("\n");
        assertThat(Path.of(URI.create(path)).resolve("_metadata")).isNotEmptyFile();

        ShellRun unknown = ShellRun.script("trigger_savepoint.sh", env, new JobID().toString());
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(unknown.err().lines()).singleElement().asString().startsWith("tidemark: job ");

        Map<String, String> impatient = new java.util.HashMap<>(env);
        impatient.put("TIDEMARK_SAVEPOINT_TIMEOUT", "1ms");
        ShellRun late = ShellRun.script("trigger_savepoint.sh", impatient, job.toString());
        assertThat(late.exitCode()).as(late.toString()).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(late.err().lines()).singleElement().asString().startsWith("tidemark: savepoint of job " + job);
        assertThat(late.out()).isEmpty();

        Map<String, String> nowhere = Map.of("TIDEMARK_REST_ADDRESS", "http://127.0.0.1:" + closedPort());
        ShellRun unreachable = ShellRun.script("trigger_savepoint.sh", nowhere, job.toString());
        assertThat(unreachable.exitCode()).as(unreachable.toString()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(unreachable.err().lines()).singleElement().asString().startsWith("tidemark: cannot reach");

        cancel(job);
        pipeline.updateAndDelete(1, 50);
        ShellRun restored = ShellRun.script("restore_from_savepoint.sh", env, path);
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        JobID resumed = JobID.fromHexString(restored.out().strip());
        started.add(resumed);
        pipeline.awaitSinkEqualsSource();

        Path empty = Files.createDirectories(dir.resolve("not-a-snapshot"));
        ShellRun notSnapshot = ShellRun.script("restore_from_savepoint.sh", env, empty.toString());
        assertThat(notSnapshot.exitCode()).as(notSnapshot.toString()).isEqualTo(ExitCodes.NOT_A_SNAPSHOT);
        assertThat(notSnapshot.err().lines()).singleElement().asString().startsWith("tidemark: ").contains("not-a-snapshot");

        Path corrupt = Files.createDirectories(dir.resolve("savepoint-000000-corrupt"));
        Files.write(corrupt.resolve("_metadata"), new byte[] {0, 1, 2, 3});
        ShellRun corrupted = ShellRun.script("restore_from_savepoint.sh", env, corrupt.toString());
        assertThat(corrupted.exitCode()).as(corrupted.toString()).isEqualTo(ExitCodes.CORRUPT_SNAPSHOT);
        assertThat(corrupted.err().lines()).singleElement().asString().startsWith("tidemark: ").contains("savepoint-000000-corrupt");

        ShellRun missing = ShellRun.script("restore_from_savepoint.sh", env, dir.resolve("no-such-savepoint").toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.err().lines()).singleElement().asString().startsWith("tidemark: ");

        assertThat(runningJobs()).as("no failed restore started a job").containsExactly(resumed);
    }

    /**
     * A restore whose source position is gone: the job's replication slot was dropped while it was
     * stopped, so PostgreSQL no longer holds the changes after the savepoint. Before, the restored
     * job made a new slot at the current position and those changes never arrived. Now the
     * restore script refuses in one line with exit code 6, starts no job and writes nothing.
     */
    @Test
    void aRestoreWhoseSlotIsGoneIsRefusedAndStartsNoJob() throws Exception {
        pipeline.insert(100);
        JobID first = start();
        pipeline.awaitSinkEqualsSource();
        String stopped = stopWithSavepoint(first);
        Map<Long, String> sinkBefore = pipeline.sinkRows();
        String slot = pipeline.single(sourceDb, "SELECT slot_name FROM pg_replication_slots WHERE database = '" + sourceDb + "'");
        pipeline.sql(sourceDb, "SELECT pg_drop_replication_slot('" + slot + "')");
        pipeline.updateAndDelete(1, 50); // changes the dropped slot would have kept

        Map<String, String> env = Map.of("TIDEMARK_REST_ADDRESS", rest.toString(), "TIDEMARK_PIPELINE",
                pipelineFile.toString(), "TIDEMARK_JOB_JAR", CliJar.path().toString());
        ShellRun refused = ShellRun.script("restore_from_savepoint.sh", env, stopped);
        System.out.println("SnapshotLifecycleITCase: restore_from_savepoint.sh, slot dropped:\n" + refused);

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
        assertThat(refused.out()).isEmpty();
        // the restore first says which snapshot it checked, then refuses in one line
        assertThat(refused.err().lines()).last().asString().isEqualTo("tidemark: source: replication slot "
                + slot + " does not exist, so the changes after the savepoint are gone from PostgreSQL; start the"
                + " pipeline anew with a snapshot into empty sink tables (tidemark run --config FILE, without"
                + " --from-savepoint)");
        assertThat(refused.err().lines()).filteredOn(line -> line.contains("slot")).hasSize(1);
        assertThat(runningJobs()).as("no job started").isEmpty();
        assertThat(pipeline.sinkRows()).as("nothing written").isEqualTo(sinkBefore);
        assertThat(sourceSnapshotRuns()).as("no slot made: %s", pipeline.single(sourceDb,
                "SELECT string_agg(slot_name || ' active ' || active, ', ') FROM pg_replication_slots WHERE database = '"
                        + sourceDb + "'")).isZero();
    }

    /**
     * A restore from an older savepoint after a newer run of the job let the slot confirm past it:
     * PostgreSQL would stream from the slot's position, and the changes between the savepoint and
     * that position would never arrive. The savepoint's own position is read from its state (the
     * source reader's stream split), and the restore is refused with exit code 6.
     */
    @Test
    void aRestoreFromASavepointTheSlotHasPassedIsRefused() throws Exception {
        pipeline.insert(100);
        JobID job = start();
        pipeline.awaitSinkEqualsSource();
        String older = triggerSavepoint(job);
        String afterSavepoint = pipeline.single(sourceDb, "SELECT pg_current_wal_lsn()::text");
        // the job runs on; Flink CDC confirms its completed checkpoints' positions to the slot
        pipeline.updateAndDelete(1, 60);
        pipeline.insert(50);
        pipeline.awaitSinkEqualsSource();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> "t".equals(pipeline.single(sourceDb,
                "SELECT confirmed_flush_lsn > '" + afterSavepoint + "'::pg_lsn FROM pg_replication_slots WHERE database = '"
                        + sourceDb + "'")));
        cancel(job);
        Map<Long, String> sinkBefore = pipeline.sinkRows();

        CliRun refused = CliRun.of("restore", older, "--config", pipelineFile.toString(), "--rest-address",
                rest.toString(), "--jar", CliJar.path().toString());
        System.out.println("SnapshotLifecycleITCase: tidemark restore, slot confirmed past the savepoint:\n" + refused);

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err().lines()).last().asString().matches("tidemark: source: replication slot \\S+ has"
                + " confirmed up to [0-9A-F]+/[0-9A-F]+, past [0-9A-F]+/[0-9A-F]+ where the savepoint resumes, so the"
                + " changes between them are gone from PostgreSQL; restore a newer savepoint or start the pipeline anew"
                + " with a snapshot into empty sink tables \\(tidemark run --config FILE, without --from-savepoint\\)");
        assertThat(runningJobs()).as("no job started").isEmpty();
        assertThat(pipeline.sinkRows()).as("nothing written").isEqualTo(sinkBefore);
    }

    @Test
    void theShippedCliListsCleansAndDisposesSavepointsOnS3ThroughFlinksS3Plugin() throws Exception {
        pipeline.insert(50);
        JobID job = start();
        pipeline.awaitSinkEqualsSource();
        String local = trigger(job);
        cancel(job);

        // an S3 endpoint whose bucket holds two copies of that savepoint, uploaded a few seconds apart
        Path blobs = Files.createDirectories(dir.resolve("s3"));
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", blobs.toString());
        BlobStore store = BlobStores.create("filesystem", properties);
        S3Proxy s3 = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "tidemark-key", "tidemark-secret").build();
        s3.start();
        try {
            store.createContainer("snapshots");
            Path bucket = blobs.resolve("snapshots");
            Path older = upload(store, Path.of(URI.create(local)), bucket, "savepoints/savepoint-aaaaaa-000000000001");
            TimeUnit.MILLISECONDS.sleep(2100); // S3 times have whole seconds
            Path newer = upload(store, Path.of(URI.create(local)), bucket, "savepoints/savepoint-bbbbbb-000000000002");
            Path conf = Files.createDirectories(dir.resolve("flink-conf"));
            Files.writeString(conf.resolve("config.yaml"), "s3.endpoint: http://127.0.0.1:" + s3.getPort() + "\n"
                    + "s3.path.style.access: true\ns3.access-key: tidemark-key\ns3.secret-key: tidemark-secret\n");
            Map<String, String> env = Map.of("FLINK_CONF_DIR", conf.toString());
            String dirs = "--savepoint-dir=s3://snapshots/savepoints";

            ShellRun listed = ShellRun.tidemark(env, "savepoint", "list", dirs, "--checkpoint-dir=s3://snapshots/checkpoints", "--output", "json");
            assertThat(listed.exitCode()).as(listed.toString()).isZero();
            JsonNode listing = JSON.readTree(listed.out());
            assertThat(listing.get("snapshots")).extracting(s -> s.get("path").asText()).containsExactly(
                    "s3://snapshots/savepoints/savepoint-bbbbbb-000000000002",
                    "s3://snapshots/savepoints/savepoint-aaaaaa-000000000001");
            assertThat(listing.get("snapshots")).allSatisfy(s -> {
                assertThat(s.get("complete").asBoolean()).as(s.toString()).isTrue();
                assertThat(s.get("sizeBytes").asLong()).isEqualTo(sizeOf(Path.of(URI.create(local))));
            });

            ShellRun cleaned = ShellRun.tidemark(env, "savepoint", "cleanup", dirs, "--keep-last", "1", "--offline");
            assertThat(cleaned.exitCode()).as(cleaned.toString()).isZero();
            assertThat(cleaned.out()).contains("deleted s3://snapshots/savepoints/savepoint-aaaaaa-000000000001");
            assertThat(older).doesNotExist();
            assertThat(newer.resolve("_metadata")).exists();

            ShellRun disposed = ShellRun.tidemark(env, "savepoint", "dispose", "s3://snapshots/savepoints/savepoint-bbbbbb-000000000002");
            assertThat(disposed.exitCode()).as(disposed.toString()).isZero();
            assertThat(newer.resolve("_metadata")).doesNotExist();
            assertThat(disposed.err()).as("no secret in what the CLI says").doesNotContain("tidemark-secret");
        } finally {
            s3.stop();
            store.close();
        }
    }

    // ---------------------------------------------------------------------------------------

    private JobID start() throws Exception {
        try (SnapshotService service = RestSnapshotService.connect(rest, new Configuration(), Duration.ofSeconds(30))) {
            JobID job = service.submit(new JobSubmission(CliJar.path(), PipelineJobMain.class.getName(),
                    List.of("--config", pipelineFile.toString()), null, RestoreMode.NO_CLAIM, false), ProgressListener.NONE);
            started.add(job);
            return job;
        }
    }

    private void cancel(JobID job) throws Exception {
        client.cancel(job).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> status(job).isGloballyTerminalState());
    }

    private JobStatus status(JobID job) throws Exception {
        return client.getJobStatus(job).get(10, TimeUnit.SECONDS);
    }

    private List<JobID> runningJobs() throws Exception {
        List<JobID> running = new ArrayList<>();
        for (JobID job : started) {
            if (status(job) == JobStatus.RUNNING) {
                running.add(job);
            }
        }
        return running;
    }

    /** The tidemark-cli jar that `package` built before the integration tests: the job jar to upload. */

    /** How many times a job of this pipeline read the source table in a snapshot: the slot's first creation. */
    private long sourceSnapshotRuns() throws Exception {
        return Long.parseLong(pipeline.single(sourceDb, "SELECT count(*) FROM pg_replication_slots WHERE database = '" + sourceDb + "'"));
    }

    /** {@code tidemark savepoint trigger}: the savepoint's path. */
    private String triggerSavepoint(JobID job) {
        CliRun trigger = CliRun.of("savepoint", "trigger", job.toString(), "--rest-address", rest.toString(),
                "--config", pipelineFile.toString());
        assertThat(trigger.exitCode()).as(trigger.toString()).isZero();
        return trigger.out().strip();
    }

    /** {@code tidemark savepoint stop}: the savepoint's path; the job has finished. */
    private String stopWithSavepoint(JobID job) throws Exception {
        CliRun stop = CliRun.of("savepoint", "stop", job.toString(), "--rest-address", rest.toString(),
                "--target-dir", savepoints.toUri().toString(), "--output", "json");
        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        return JSON.readTree(stop.out()).get("path").asText();
    }

    private static JsonNode snapshot(JsonNode listing, String path) {
        for (JsonNode s : listing.get("snapshots")) {
            if (normalize(s.get("path").asText()).equals(normalize(path))) {
                return s;
            }
        }
        throw new AssertionError(path + " not listed in " + listing);
    }

    private static String normalize(String path) {
        String p = path.replaceFirst("^file:/+", "/");
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private String trigger(JobID job) {
        CliRun run = CliRun.of("savepoint", "trigger", job.toString(), "--rest-address", rest.toString(), "--config",
                pipelineFile.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run.out().strip();
    }

    /** Uploads every file under {@code from} as an object under {@code prefix}; returns where the store keeps them. */
    private static Path upload(BlobStore store, Path from, Path bucket, String prefix) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                try (var in = Files.newInputStream(f)) {
                    store.putBlob(PutObjectRequest.builder().bucket("snapshots")
                            .key(prefix + "/" + from.relativize(f)).contentLength(Files.size(f)).build(), in);
                }
            }
        }
        return bucket.resolve(prefix);
    }

    private static long sizeOf(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }


}
