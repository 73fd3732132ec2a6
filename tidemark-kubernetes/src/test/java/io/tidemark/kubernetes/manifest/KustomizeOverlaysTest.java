package io.tidemark.kubernetes.manifest;

import io.tidemark.failure.FailureEnricherOptions;
import io.tidemark.kubernetes.testing.ExternalTool;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.tidemark.kubernetes.manifest.DeployManifestsTest.KUBERNETES;
import static io.tidemark.kubernetes.manifest.DeployManifestsTest.SPEC_VALUES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The overlays as kustomize renders them ({@code kustomize build} or {@code kubectl kustomize} as a
 * process, see {@link ExternalTool#kustomize}): what would be applied passes the checker, holds one FlinkDeployment in the overlay's
 * namespace with the spec's checkpoint values, mounts the pipeline ConfigMap kustomize generated (whose
 * checkpointing agrees with the FlinkDeployment), and renders no Secret values.
 */
class KustomizeOverlaysTest {

    private static final KubernetesSerialization KUBERNETES_MODEL = new KubernetesSerialization();
    /** Each overlay rendered once per run. */
    private static final Map<String, String> RENDERED = new ConcurrentHashMap<>();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "prod"})
    void theRenderedOverlayPassesTheChecker(String overlay) {
        String rendered = render(overlay);

        ManifestReport report = new ManifestChecker().check("overlays/" + overlay + " (rendered)", rendered);

        assertThat(report.findings()).extracting(ManifestFinding::toLine).isEmpty();
        // the ConfigMaps: the pipeline and the Grafana dashboard
        assertThat(report.resources()).extracting(ManifestResource::kind).containsExactlyInAnyOrder("FlinkDeployment", "ConfigMap", "ConfigMap");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "prod"})
    void theOverlayHasOneFlinkDeploymentInItsNamespaceWithTheSpecsCheckpointing(String overlay) throws IOException {
        List<JsonNode> documents = DeployManifestsTest.documents(render(overlay));

        List<JsonNode> deployments = ofKind(documents, "FlinkDeployment");
        assertThat(deployments).hasSize(1);
        FlinkDeployment deployment = KUBERNETES_MODEL.convertValue(deployments.get(0), FlinkDeployment.class);
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo("tidemark-" + overlay);
        assertThat(deployment.getMetadata().getLabels()).containsEntry("tidemark.io/environment", overlay);
        Map<String, String> conf = deployment.getSpec().getFlinkConfiguration();
        for (String key : List.of("execution.checkpointing.interval", "execution.checkpointing.timeout",
                "execution.checkpointing.min-pause", "execution.checkpointing.externalized-checkpoint-retention")) {
            assertThat(conf).containsEntry(key, SPEC_VALUES.get(key));
        }
        assertThat(conf.get("state.checkpoints.dir")).startsWith("s3://");
        assertThat(conf.get("state.savepoints.dir")).startsWith("s3://");
        assertThat(conf).as("the failure enricher, kept from the base").containsEntry("jobmanager.failure-enrichers",
                FailureEnricherOptions.ENRICHER_CLASS);
        assertThat(deployment.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "prod"})
    void theJobMountsTheGeneratedPipelineWhichCheckpointsAsTheFlinkDeploymentSays(String overlay) throws IOException {
        List<JsonNode> documents = DeployManifestsTest.documents(render(overlay));
        FlinkDeployment deployment = KUBERNETES_MODEL.convertValue(ofKind(documents, "FlinkDeployment").get(0), FlinkDeployment.class);
        // besides the dashboard's ConfigMap (MonitoringManifestsTest), the pipeline's
        List<JsonNode> configMaps = ofKind(documents, "ConfigMap").stream()
                .filter(c -> !c.path("metadata").path("name").asText().equals("tidemark-grafana-dashboard")).toList();
        assertThat(configMaps).hasSize(1);
        JsonNode configMap = configMaps.get(0);

        // kustomize's content hash in the name: a changed pipeline changes the FlinkDeployment, which the operator upgrades
        String name = configMap.path("metadata").path("name").asText();
        assertThat(name).matches("tidemark-pipeline-[a-z0-9]{10}");
        assertThat(deployment.getSpec().getPodTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getConfigMap().getName()).isEqualTo(name));
        JsonNode pipeline = DeployManifestsTest.documents(configMap.path("data").path("pipeline.yaml").asText()).get(0);
        Map<String, String> conf = deployment.getSpec().getFlinkConfiguration();
        assertThat(DeployManifestsTest.pipelineCheckpointing(pipeline)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "interval", conf.get("execution.checkpointing.interval"),
                "timeout", conf.get("execution.checkpointing.timeout"),
                "min-pause", conf.get("execution.checkpointing.min-pause"),
                "externalized-retention", conf.get("execution.checkpointing.externalized-checkpoint-retention"),
                "checkpoints-dir", conf.get("state.checkpoints.dir"),
                "savepoints-dir", conf.get("state.savepoints.dir")));
        assertThat(pipeline.path("pipeline").path("parallelism").asInt()).isEqualTo(deployment.getSpec().getJob().getParallelism());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "prod"})
    void noSecretValuesAreRendered(String overlay) throws IOException {
        List<JsonNode> secrets = ofKind(DeployManifestsTest.documents(render(overlay)), "Secret");

        assertThat(secrets).allSatisfy(secret -> {
            assertThat(secret.path("data").isEmpty()).isTrue();
            assertThat(secret.path("stringData").isEmpty()).isTrue();
        });
    }

    @Test
    void prodRunsHighlyAvailableWithALongerSavepointHistoryAndBiggerPodsThanDev() throws IOException {
        FlinkDeployment dev = deployment("dev");
        FlinkDeployment prod = deployment("prod");

        Map<String, String> prodConf = prod.getSpec().getFlinkConfiguration();
        assertThat(prodConf).containsEntry("high-availability.type", "kubernetes");
        assertThat(prodConf.get("high-availability.storageDir")).startsWith("s3://");
        assertThat(prodConf).containsKey("kubernetes.operator.periodic.savepoint.interval");
        assertThat(prod.getSpec().getJobManager().getReplicas()).isEqualTo(2);
        assertThat(dev.getSpec().getFlinkConfiguration()).doesNotContainKey("high-availability.type");

        assertThat(historyMaxAge(prod)).isGreaterThan(historyMaxAge(dev));
        assertThat(historyMaxCount(prod)).isGreaterThan(historyMaxCount(dev));
        assertThat(prod.getSpec().getJob().getParallelism()).isGreaterThan(dev.getSpec().getJob().getParallelism());
        assertThat(memoryMb(prod.getSpec().getTaskManager().getResource().getMemory()))
                .isGreaterThan(memoryMb(dev.getSpec().getTaskManager().getResource().getMemory()));
        // dev and prod keep their state apart
        assertThat(dev.getSpec().getFlinkConfiguration().get("state.checkpoints.dir")).isNotEqualTo(prodConf.get("state.checkpoints.dir"));
    }

    private static FlinkDeployment deployment(String overlay) throws IOException {
        return KUBERNETES_MODEL.convertValue(ofKind(DeployManifestsTest.documents(render(overlay)), "FlinkDeployment").get(0), FlinkDeployment.class);
    }

    private static Duration historyMaxAge(FlinkDeployment deployment) {
        return org.apache.flink.util.TimeUtils.parseDuration(deployment.getSpec().getFlinkConfiguration().get("kubernetes.operator.savepoint.history.max.age"));
    }

    private static int historyMaxCount(FlinkDeployment deployment) {
        return Integer.parseInt(deployment.getSpec().getFlinkConfiguration().get("kubernetes.operator.savepoint.history.max.count"));
    }

    private static long memoryMb(String memory) {
        assertThat(memory).endsWith("m");
        return Long.parseLong(memory.substring(0, memory.length() - 1));
    }

    private static List<JsonNode> ofKind(List<JsonNode> documents, String kind) {
        return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    /** {@code kustomize build deploy/kubernetes/overlays/<overlay>}: its standard output, or the test fails saying why. */
    static String render(String overlay) {
        return RENDERED.computeIfAbsent(overlay, KustomizeOverlaysTest::kustomize);
    }

    private static String kustomize(String overlay) {
        Path dir = KUBERNETES.resolve("overlays").resolve(overlay);
        assertThat(dir).isDirectory();
        return ExternalTool.kustomize(dir);
    }
}
