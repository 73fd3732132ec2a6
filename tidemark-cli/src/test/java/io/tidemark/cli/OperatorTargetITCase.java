package io.tidemark.cli;

import io.tidemark.kubernetes.operator.MockKubernetesApi;
import io.tidemark.kubernetes.operator.TestingFlinkOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI and the spec's scripts against an operator-managed FlinkDeployment ({@code --target
 * kubernetes}), through the kubeconfig's current context. No Kubernetes cluster can run here:
 * fabric8's mock API server (CRUD mode) stands in for the API server, and {@link TestingFlinkOperator}
 * plays the operator (completes FlinkStateSnapshots, suspends with a savepoint, redeploys from
 * {@code initialSavepointPath}).
 */
class OperatorTargetITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static KubernetesMockServer server;
    private static TestingFlinkOperator operator;

    @TempDir
    static Path dir;

    private static Path kubeconfig;
    private String previousKubeconfig;
    private JobID job;
    private String deployment;
    private static int deployments;

    @BeforeAll
    static void startApiServer() throws Exception {
        server = MockKubernetesApi.start();
        operator = new TestingFlinkOperator(server.createClient());
        kubeconfig = MockKubernetesApi.writeKubeconfig(server, dir.resolve("kubeconfig"), Map.of("team", "team-a"), "team");
    }

    @AfterAll
    static void stopApiServer() {
        operator.close();
        server.destroy();
    }

    @BeforeEach
    void deploy() {
        deployment = "orders" + (++deployments);
        job = operator.deploy("team-a", deployment);
        previousKubeconfig = System.getProperty("kubeconfig");
        System.setProperty("kubeconfig", kubeconfig.toString());
    }

    @AfterEach
    void restoreKubeconfig() {
        if (previousKubeconfig == null) {
            System.clearProperty("kubeconfig");
        } else {
            System.setProperty("kubeconfig", previousKubeconfig);
        }
    }

    @Test
    void triggerListStopAndRestoreThroughTheOperator() throws Exception {
        String[] target = {"--target", "kubernetes", "--deployment", deployment};

        CliRun trigger = CliRun.of(concat(new String[] {"savepoint", "trigger", job.toString()}, target));
        assertThat(trigger.exitCode()).as(trigger.toString()).isZero();
        String savepoint = trigger.out().strip();
        assertThat(savepoint).startsWith(TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-");

        CliRun list = CliRun.of(concat(new String[] {"savepoint", "list", "--savepoint-dir", dir.resolve("sp").toString(),
                "--checkpoint-dir", dir.resolve("cp").toString(), "--output", "json"}, target));
        assertThat(list.exitCode()).as(list.toString()).isZero();
        JsonNode resources = JSON.readTree(list.out()).get("flinkStateSnapshots");
        assertThat(resources).anySatisfy(r -> {
            assertThat(r.get("path").asText()).isEqualTo(savepoint);
            assertThat(r.get("state").asText()).isEqualTo("COMPLETED");
            assertThat(r.get("createdByTidemark").asBoolean()).isTrue();
        });

        CliRun stop = CliRun.of(concat(new String[] {"savepoint", "stop", job.toString()}, target));
        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        String stopped = stop.out().strip();
        assertThat(stopped).startsWith(TestingFlinkOperator.SAVEPOINT_DIR);

        Path pipeline = Files.writeString(dir.resolve("pipeline-" + deployment + ".yaml"), pipelineYaml());
        CliRun restore = CliRun.of(concat(new String[] {"restore", stopped, "--config", pipeline.toString()}, target));
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        JobID resumed = JobID.fromHexString(restore.out().strip());
        assertThat(resumed).isNotEqualTo(job);
        assertThat(restore.err()).contains("cannot check " + stopped + " from here");
        // the source's password is only set in the pod: the job checks its slot when it starts
        assertThat(restore.err()).contains("cannot check from here that the source still holds the snapshot's position");

        CliRun unknown = CliRun.of(concat(new String[] {"savepoint", "trigger", job.toString()}, target));
        assertThat(unknown.exitCode()).as("the old job is gone").isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(unknown.errLines()).singleElement().asString().startsWith("tidemark: ");
    }

    @Test
    void aMissingDeploymentIsNotFoundAndAMissingNameIsAUsageError() {
        CliRun missing = CliRun.of("savepoint", "trigger", job.toString(), "--target", "kubernetes", "--deployment", "nope");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.errLines()).singleElement().asString().startsWith("tidemark: FlinkDeployment team-a/nope not found");

        CliRun noName = CliRun.of("savepoint", "trigger", job.toString(), "--target", "kubernetes");
        assertThat(noName.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noName.errLines()).singleElement().asString()
                .startsWith("tidemark: missing --deployment NAME (or set TIDEMARK_DEPLOYMENT)");
    }

    @Test
    void theSpecsTriggerScriptTakesTheSameTarget() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder(root.resolve("scripts/trigger_savepoint.sh").toString(), job.toString())
                .directory(root.toFile());
        pb.environment().remove("TIDEMARK_REST_ADDRESS");
        pb.environment().put("TIDEMARK_TARGET", "kubernetes");
        pb.environment().put("TIDEMARK_DEPLOYMENT", deployment);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(stdout + Files.readString(err, StandardCharsets.UTF_8)).isZero();
        assertThat(stdout.strip()).startsWith(TestingFlinkOperator.SAVEPOINT_DIR + "/savepoint-").doesNotContain("\n");
    }

    private static String pipelineYaml() {
        return "pipeline:\n  name: orders\n"
                + "source:\n  type: postgres\n  hostname: db\n  port: 5432\n  database: shop\n  username: app\n"
                + "  password: ${env:SOURCE_PASSWORD}\n  tables:\n    - public.orders\n"
                + "sinks:\n  - name: warehouse\n    type: jdbc\n    url: jdbc:postgresql://dw:5432/dw\n"
                + "    username: app\n    password: ${env:SINK_PASSWORD}\n"
                + "checkpointing:\n  checkpoints-dir: s3://tidemark-test/checkpoints\n"
                + "  savepoints-dir: s3://tidemark-test/savepoints\n";
    }

    private static String[] concat(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
