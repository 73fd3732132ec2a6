package io.tidemark.cli;

import io.tidemark.cli.flink.LocalSessionCluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The spec's script workflow on one machine, exactly as the README gives it, each step a process
 * as a user runs it: {@code tidemark cluster start} (a JobManager and TaskManagers in the
 * background), {@code tidemark run --rest-address}, {@code trigger_savepoint.sh}, cancel, changes
 * while the job is down, {@code restore_from_savepoint.sh} into the same cluster → the sink equals
 * the source without the table read again; {@code tidemark cluster stop} leaves no process and no
 * port behind, and names the job it stopped with a checkpoint that is really there.
 */
class LocalSessionClusterITCase extends SessionClusterTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theSpecsScriptsSavepointAndRestoreAPipelineOnALocalSessionClusterAndStopLeavesNothingRunning() throws Exception {
        OrdersPipeline pipeline = OrdersPipeline.create(postgres, dir, "session", 1);
        clusterDir = dir.resolve("cluster");
        int port = freePort();
        String rest = "http://127.0.0.1:" + port;

        ShellRun started = ShellRun.tidemark(Map.of(), "cluster", "start", "--port", Integer.toString(port),
                "--task-managers", "2", "--slots", "2", "--dir", clusterDir.toString());
        assertThat(started.exitCode()).as(started.toString()).isZero();
        assertThat(started.out()).isEqualTo(rest + "\n");
        assertThat(started.err()).contains("tidemark: Flink Web UI and REST API at " + rest + "; logs in " + clusterDir.resolve("log"));
        List<Long> pids = pids(clusterDir);
        assertThat(pids).hasSize(3);

        ShellRun again = ShellRun.tidemark(Map.of(), "cluster", "start", "--port", Integer.toString(port), "--dir",
                clusterDir.toString());
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(again.err().lines()).containsExactly("tidemark: a local Flink cluster already runs from " + clusterDir + " (REST " + rest
                        + "); stop it first with: tidemark cluster stop --dir " + clusterDir);

        ShellRun status = ShellRun.tidemark(Map.of(), "cluster", "status", "--dir", clusterDir.toString());
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.outLines()).contains("slots:         4 of 4 free on 2 registered TaskManagers", "jobs:          none running");

        // the README's sequence
        pipeline.insert(200);
        ShellRun run = ShellRun.tidemark(Map.of(), "run", "--rest-address", rest, pipeline.file().toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        String job = run.out().strip();
        assertThat(job).matches("[0-9a-f]{32}");
        pipeline.awaitSinkEqualsSource();

        Map<String, String> env = Map.of("TIDEMARK_REST_ADDRESS", rest, "TIDEMARK_PIPELINE", pipeline.file().toString());
        ShellRun triggered = ShellRun.script("trigger_savepoint.sh", env, job);
        assertThat(triggered.exitCode()).as(triggered.toString()).isZero();
        String savepoint = triggered.out().strip();
        assertThat(Path.of(URI.create(savepoint)).resolve("_metadata")).isNotEmptyFile();

        cancel(rest, job);
        pipeline.updateAndDelete(1, 120);
        pipeline.insert(100);

        ShellRun restored = ShellRun.script("restore_from_savepoint.sh", env, savepoint);
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        String resumed = restored.out().strip();
        assertThat(resumed).matches("[0-9a-f]{32}").isNotEqualTo(job);
        pipeline.awaitSinkEqualsSource();
        assertThat(pipeline.single(pipeline.sourceDb(), "SELECT count(*) FROM pg_replication_slots WHERE database = '"
                + pipeline.sourceDb() + "'")).as("the restored job resumed the one slot, it did not read the table again")
                .isEqualTo("1");
        assertThat(jobState(rest, resumed)).isEqualTo("RUNNING");
        awaitCompletedCheckpoint(rest, resumed);

        ShellRun stopped = ShellRun.tidemark(Map.of(), "cluster", "stop", "--dir", clusterDir.toString());
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        List<String> lines = stopped.err().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("tidemark: job " + resumed + " (tidemark-" + pipeline.name()
                + ") was running; its last checkpoint, to restore from: file:");
        assertThat(lines.get(1)).isEqualTo("tidemark: stopped the local Flink cluster in " + clusterDir);
        String lastCheckpoint = lines.get(0).substring(lines.get(0).indexOf("file:"));
        assertThat(Path.of(URI.create(lastCheckpoint)).resolve("_metadata")).as("retained when the cluster stopped").isNotEmptyFile();

        // nothing left running
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("process " + pid).isFalse();
        }
        assertThat(LocalSessionCluster.portFree(port)).as("REST port " + port + " closed").isTrue();
        assertThat(clusterDir.resolve("cluster.json")).doesNotExist();
        ShellRun gone = ShellRun.tidemark(Map.of(), "cluster", "status", "--dir", clusterDir.toString());
        assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(gone.err().lines()).containsExactly("tidemark: no local Flink cluster runs from " + clusterDir
                + "; start one with: tidemark cluster start");
        ShellRun stopAgain = ShellRun.tidemark(Map.of(), "cluster", "stop", "--dir", clusterDir.toString());
        assertThat(stopAgain.exitCode()).as(stopAgain.toString()).isZero();
        assertThat(stopAgain.err().lines()).containsExactly("tidemark: no local Flink cluster was started from "
                + clusterDir + "; nothing to stop");

        // the cluster's logs never held the pipeline's password (FLINK-38685's logger is at WARN there too)
        try (Stream<Path> logs = Files.list(clusterDir.resolve("log"))) {
            List<Path> files = logs.toList();
            assertThat(files).isNotEmpty();
            for (Path log : files) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain(OrdersPipeline.PASSWORD);
            }
        }
    }

    @Test
    void aBusyPortIsRefusedInOneLineAndStartsNothing() throws Exception {
        clusterDir = dir.resolve("busy");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            ShellRun refused = ShellRun.tidemark(Map.of(), "cluster", "start", "--port",
                    Integer.toString(taken.getLocalPort()), "--dir", clusterDir.toString());
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err().lines()).containsExactly("tidemark: --port: 127.0.0.1:" + taken.getLocalPort()
                    + " is already in use (another Flink cluster?); choose a free port with --port (see 'tidemark cluster"
                    + " start --help')");
            assertThat(clusterDir.resolve("cluster.json")).doesNotExist();
        }
    }

    private static List<Long> pids(Path clusterDir) throws IOException {
        List<Long> pids = new ArrayList<>();
        JSON.readTree(clusterDir.resolve("cluster.json").toFile()).path("processes").forEach(pid -> pids.add(pid.asLong()));
        return pids;
    }

    /** Cancels the job as the README says, with Flink's REST API ({@code curl -X PATCH .../jobs/ID?mode=cancel}). */
    private static void cancel(String rest, String job) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(rest + "/jobs/" + job + "?mode=cancel")).method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> jobState(rest, job).equals("CANCELED"));
    }

    private static String jobState(String rest, String job) throws Exception {
        return get(rest, "/jobs/" + job).path("state").asText();
    }

    private static void awaitCompletedCheckpoint(String rest, String job) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                get(rest, "/jobs/" + job + "/checkpoints").path("latest").path("completed").has("external_path"));
    }

    private static JsonNode get(String rest, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(rest + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
