package io.tidemark.kubernetes.monitoring;

import io.tidemark.kubernetes.testing.ExternalTool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the dashboard, the alert rules and the optional PodMonitor reach a cluster, as {@code kubectl
 * kustomize} renders them: the dashboard as a ConfigMap for Grafana's sidecar in the base and both
 * overlays, the rules as a ConfigMap of their own, and a PodMonitor that selects the pods the operator
 * creates for the FlinkDeployment and scrapes the port the reporter listens on.
 */
class MonitoringManifestsTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = MonitoringQueries.repositoryRoot();
    private static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");

    @Test
    void theBaseProvisionsTheDashboardForGrafanasSidecar() throws IOException {
        List<JsonNode> rendered = kustomize(KUBERNETES.resolve("base"));

        JsonNode configMap = named(rendered, "ConfigMap", "tidemark-grafana-dashboard");
        assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        JsonNode dashboard = JSON.readTree(configMap.path("data").path("tidemark.json").asText());
        assertThat(dashboard).isEqualTo(MonitoringQueries.dashboard());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "prod"})
    void eachOverlayCarriesTheDashboardIntoItsNamespace(String overlay) throws IOException {
        List<JsonNode> rendered = kustomize(KUBERNETES.resolve("overlays").resolve(overlay));

        JsonNode configMap = named(rendered, "ConfigMap", "tidemark-grafana-dashboard");
        assertThat(configMap.path("metadata").path("namespace").asText()).isEqualTo("tidemark-" + overlay);
        assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        // the operator's CRDs may be missing: nothing of the optional component unless an overlay asks
        assertThat(rendered).noneMatch(d -> d.path("kind").asText().equals("PodMonitor"));
    }

    @Test
    void theRulesRenderAsAConfigMapOfTheirOwn() throws IOException {
        List<JsonNode> rendered = kustomize(ROOT.resolve("deploy/prometheus"));

        assertThat(rendered).hasSize(1);
        JsonNode configMap = named(rendered, "ConfigMap", "tidemark-prometheus-rules");
        assertThat(configMap.path("data").path("tidemark-rules.yaml").asText()).isEqualTo(Files.readString(MonitoringQueries.rulesFile()));
    }

    @Test
    void thePodMonitorScrapesTheReporterOnThePodsOfTheFlinkDeployment(@TempDir Path dir) throws IOException {
        // an overlay as a user would write one; kustomize takes only relative paths to other kustomizations
        Files.writeString(dir.resolve("kustomization.yaml"), String.join("\n",
                "apiVersion: kustomize.config.k8s.io/v1beta1",
                "kind: Kustomization",
                "namespace: tidemark-monitored",
                "resources:",
                "  - " + relative(dir, KUBERNETES.resolve("base")),
                "components:",
                "  - " + relative(dir, KUBERNETES.resolve("components/prometheus-operator")),
                ""));
        List<JsonNode> rendered = kustomize(dir);

        JsonNode deployment = rendered.stream().filter(d -> d.path("kind").asText().equals("FlinkDeployment")).findFirst().orElseThrow();
        JsonNode podMonitor = named(rendered, "PodMonitor", "tidemark");
        assertThat(podMonitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(podMonitor.path("metadata").path("namespace").asText()).isEqualTo("tidemark-monitored");

        // Flink's native Kubernetes mode labels the pods app: <cluster id = FlinkDeployment name>, type, component
        JsonNode selector = podMonitor.path("spec").path("selector");
        assertThat(selector.path("matchLabels").path("app").asText()).isEqualTo(deployment.path("metadata").path("name").asText());
        assertThat(selector.path("matchLabels").path("type").asText()).isEqualTo("flink-native-kubernetes");
        assertThat(selector.path("matchExpressions")).singleElement().satisfies(expression -> {
            assertThat(expression.path("key").asText()).isEqualTo("component");
            assertThat(expression.path("operator").asText()).isEqualTo("In");
            assertThat(expression.path("values")).extracting(JsonNode::asText).containsExactlyInAnyOrder("jobmanager", "taskmanager");
        });

        // the endpoint names the container port on which the reporter listens
        String reporterPort = deployment.path("spec").path("flinkConfiguration").path("metrics.reporter.prom.port").asText();
        JsonNode ports = deployment.path("spec").path("podTemplate").path("spec").path("containers").get(0).path("ports");
        String endpointPort = podMonitor.path("spec").path("podMetricsEndpoints").get(0).path("port").asText();
        assertThat(ports).anySatisfy(port -> {
            assertThat(port.path("name").asText()).isEqualTo(endpointPort);
            assertThat(port.path("containerPort").asText()).isEqualTo(reporterPort);
        });
    }

    private static List<JsonNode> kustomize(Path dir) throws IOException {
        String rendered = ExternalTool.kustomize(dir);
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(rendered)) {
            return it.readAll().stream().filter(n -> !n.isNull() && !n.isMissingNode()).toList();
        }
    }

    private static JsonNode named(List<JsonNode> documents, String kind, String name) {
        return documents.stream()
                .filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " among " + documents.stream()
                        .map(d -> d.path("kind").asText() + " " + d.path("metadata").path("name").asText()).toList()));
    }

    private static String relative(Path from, Path to) {
        return from.toAbsolutePath().relativize(to.toAbsolutePath()).toString().replace('\\', '/');
    }
}
