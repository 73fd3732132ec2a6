package io.tidemark.kubernetes.operator;

import io.tidemark.kubernetes.operator.OperatorSnapshotService.Mode;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@link OperatorTarget}: the kubeconfig's current context and namespace, and an API server that cannot be reached. */
class OperatorTargetTest {

    private static KubernetesMockServer server;
    private static KubernetesClient client;

    @BeforeAll
    static void startServer() {
        server = MockKubernetesApi.start();
        client = server.createClient();
    }

    @AfterAll
    static void stopServer() {
        client.close();
        server.destroy();
    }

    @Test
    void connectsToTheKubeconfigsCurrentContextWithItsNamespace(@TempDir Path dir) throws Exception {
        Map<String, String> contexts = new LinkedHashMap<>();
        contexts.put("elsewhere", "wrong");
        contexts.put("team", "team-a");
        Path kubeconfig = MockKubernetesApi.writeKubeconfig(server, dir.resolve("config"), contexts, "team");
        try (TestingFlinkOperator operator = new TestingFlinkOperator(server.createClient())) {
            JobID job = operator.deploy("team-a", "orders");
            String previous = System.getProperty("kubeconfig");
            System.setProperty("kubeconfig", kubeconfig.toString());
            try (OperatorSnapshotService service = OperatorTarget.connect(null, "orders", Duration.ofSeconds(5));
                    OperatorSnapshotService given = OperatorTarget.connect("elsewhere", "orders", Duration.ofSeconds(5))) {
                assertThat(service.namespace()).isEqualTo("team-a");
                assertThat(service.mode()).isEqualTo(Mode.AUTO);
                assertThat(service.jobs()).extracting(JobSummary::id).containsExactly(job);
                assertThat(given.namespace()).isEqualTo("elsewhere");
                assertThat(catchThrowableOfType(SnapshotException.class, given::jobs).reason()).isEqualTo(Reason.JOB_NOT_FOUND);
            } finally {
                if (previous == null) {
                    System.clearProperty("kubeconfig");
                } else {
                    System.setProperty("kubeconfig", previous);
                }
            }
        }
    }

    @Test
    void unreachableApiServerIsClusterUnreachableOnOneLine() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var config = new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port).withNamespace("flink").build();
        try (OperatorSnapshotService service = OperatorTarget.connect(config, null, "orders", Duration.ofSeconds(10), Mode.AUTO,
                new Configuration())) {
            long start = System.nanoTime();
            SnapshotException e = catchThrowableOfType(SnapshotException.class, service::jobs);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(e.reason()).isEqualTo(Reason.CLUSTER_UNREACHABLE);
            assertThat(e.getMessage()).startsWith("cannot reach the Kubernetes API at http://127.0.0.1:" + port + ": Connection refused")
                    .doesNotContain("\n");
        }
    }

    @Test
    void aServiceLeavesTheCallersClientOpen() throws Exception {
        new OperatorSnapshotService(client, "flink", "orders", Mode.AUTO, Duration.ofSeconds(5)).close();

        assertThat(client.resources(org.apache.flink.kubernetes.operator.api.FlinkDeployment.class).inNamespace("flink").list().getItems())
                .isEqualTo(List.of());
    }
}
