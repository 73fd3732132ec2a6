package io.tidemark.kubernetes.manifest;

import io.tidemark.failure.FailureEnricherOptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.apache.flink.core.failure.FailureEnricher;
import org.apache.flink.core.failure.FailureEnricherFactory;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkStateSnapshot;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.kubernetes.operator.api.status.SavepointFormatType;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * The manifests under {@code deploy/} as they are in the repository: every YAML file parses, each
 * FlinkDeployment and FlinkStateSnapshot with the operator's own model; the checker finds nothing in
 * them; the base FlinkDeployment has exactly the spec's six checkpoint values; and the files that must
 * agree (the pipeline's checkpointing and the FlinkDeployment's, the image and the jar URI, the image's
 * plugins and the FlinkDeployment's failure enricher, the CI steps and the spec's order) do.
 */
class DeployManifestsTest {

    static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    static final Path KUBERNETES = DEPLOY.resolve("kubernetes");

    /** Section 2 of the checkpoint and savepoint strategy, verbatim. */
    static final Map<String, String> SPEC_VALUES = Map.of(
            "state.savepoints.dir", "s3://flink-checkpoints/savepoints",
            "state.checkpoints.dir", "s3://flink-checkpoints/checkpoints",
            "execution.checkpointing.interval", "60s",
            "execution.checkpointing.timeout", "120s",
            "execution.checkpointing.min-pause", "30s",
            "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final KubernetesSerialization KUBERNETES_MODEL = new KubernetesSerialization();

    @Test
    void everyYamlFileParsesAndEveryFlinkResourceReadsWithTheOperatorsModel() throws IOException {
        List<Path> files = yamlFiles();
        assertThat(files).extracting(f -> KUBERNETES.relativize(f).toString().replace('\\', '/'))
                .contains("base/flinkdeployment.yaml", "base/kustomization.yaml", "overlays/dev/kustomization.yaml",
                        "overlays/prod/kustomization.yaml", "examples/flinkstatesnapshot-savepoint.yaml");

        int flinkResources = 0;
        for (Path file : files) {
            for (JsonNode document : documents(file)) {
                switch (document.path("kind").asText()) {
                    case "FlinkDeployment" -> {
                        assertThat(KUBERNETES_MODEL.convertValue(document, FlinkDeployment.class).getSpec()).as(file.toString()).isNotNull();
                        flinkResources++;
                    }
                    case "FlinkStateSnapshot" -> {
                        assertThat(KUBERNETES_MODEL.convertValue(document, FlinkStateSnapshot.class).getSpec()).as(file.toString()).isNotNull();
                        flinkResources++;
                    }
                    default -> { }
                }
            }
        }
        assertThat(flinkResources).isEqualTo(2);
    }

    @Test
    void theCheckerFindsNothingInTheDeployManifests() {
        ManifestReport report = new ManifestChecker().check(yamlFiles());

        assertThat(report.findings()).extracting(ManifestFinding::toLine).isEmpty();
        assertThat(report.resources()).extracting(ManifestResource::kind)
                .contains("FlinkDeployment", "FlinkStateSnapshot", ManifestChecker.PIPELINE_KIND);
    }

    @Test
    void theBaseFlinkDeploymentHasExactlyTheSpecsValues() throws IOException {
        FlinkDeployment deployment = baseDeployment();

        Map<String, String> conf = deployment.getSpec().getFlinkConfiguration();
        assertThat(conf).contains(SPEC_VALUES.entrySet().stream().map(e -> entry(e.getKey(), e.getValue())).toArray(Map.Entry[]::new));
        // no second, Flink 1.20 name for the same setting that could disagree with the spec's keys
        assertThat(conf).doesNotContainKeys("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir");
        assertThat(deployment.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
    }

    @Test
    void theBaseFlinkDeploymentRunsTheTidemarkJobInApplicationMode() throws IOException {
        FlinkDeployment deployment = baseDeployment();

        var spec = deployment.getSpec();
        assertThat(spec.getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        assertThat(spec.getImage()).isEqualTo("tidemark/tidemark-job:0.1.0");
        assertThat(spec.getServiceAccount()).isEqualTo("flink");
        assertThat(spec.getJob().getJarURI()).isEqualTo("local:///opt/flink/usrlib/tidemark-job.jar");
        assertThat(spec.getJob().getEntryClass()).isEqualTo("io.tidemark.cli.PipelineJobMain");
        assertThat(spec.getJob().getArgs()).containsExactly("--config", "/etc/tidemark/pipeline.yaml");
        assertThat(spec.getJob().getState()).isEqualTo(JobState.RUNNING);
        assertThat(spec.getFlinkConfiguration())
                .containsEntry("kubernetes.operator.cluster.health-check.enabled", "true")
                .containsEntry("kubernetes.operator.cluster.health-check.checkpoint-progress.enabled", "true")
                .containsEntry("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsKeys("kubernetes.operator.savepoint.history.max.age", "kubernetes.operator.savepoint.history.max.count");
        // the pipeline file is mounted where the job's arguments look for it
        var container = spec.getPodTemplate().getSpec().getContainers().get(0);
        assertThat(container.getName()).isEqualTo("flink-main-container");
        assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/tidemark"));
        // secrets only by reference
        assertThat(container.getEnv()).allSatisfy(env -> assertThat(env.getValueFrom().getSecretKeyRef()).isNotNull());
    }

    @Test
    void thePipelineFilesCheckpointAsTheirFlinkDeploymentSays() throws IOException {
        Map<String, String> conf = baseDeployment().getSpec().getFlinkConfiguration();
        JsonNode base = documents(KUBERNETES.resolve("base/pipeline.yaml")).get(0);

        assertThat(pipelineCheckpointing(base)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "interval", conf.get("execution.checkpointing.interval"),
                "timeout", conf.get("execution.checkpointing.timeout"),
                "min-pause", conf.get("execution.checkpointing.min-pause"),
                "externalized-retention", conf.get("execution.checkpointing.externalized-checkpoint-retention"),
                "checkpoints-dir", conf.get("state.checkpoints.dir"),
                "savepoints-dir", conf.get("state.savepoints.dir")));
        assertThat(base.path("pipeline").path("parallelism").asInt()).isEqualTo(baseDeployment().getSpec().getJob().getParallelism());
    }

    @Test
    void theSavepointExampleTakesACanonicalSavepointOfTheTidemarkDeploymentAndKeepsIt() throws IOException {
        JsonNode document = documents(KUBERNETES.resolve("examples/flinkstatesnapshot-savepoint.yaml")).get(0);
        FlinkStateSnapshot snapshot = KUBERNETES_MODEL.convertValue(document, FlinkStateSnapshot.class);

        assertThat(snapshot.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(snapshot.getSpec().getJobReference().getName()).isEqualTo(baseDeployment().getMetadata().getName());
        assertThat(snapshot.getSpec().getSavepoint().getFormatType()).isEqualTo(SavepointFormatType.CANONICAL);
        assertThat(snapshot.getSpec().getSavepoint().getDisposeOnDelete()).isFalse();
        assertThat(snapshot.getSpec().getSavepoint().getAlreadyExists()).isFalse();
        assertThat(snapshot.getSpec().getBackoffLimit()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void theImagePutsTheJobJarWhereTheFlinkDeploymentLooksForIt() throws IOException {
        String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
        String jarUri = baseDeployment().getSpec().getJob().getJarURI();

        assertThat(jarUri).startsWith("local://");
        assertThat(dockerfile).containsPattern("(?m)^COPY .* " + jarUri.substring("local://".length()) + "$");
        assertThat(dockerfile).containsPattern("(?m)^FROM \\$\\{FLINK_IMAGE}$").contains("ARG FLINK_IMAGE=flink:1.20.5-java17");
        assertThat(dockerfile).contains("/opt/flink/plugins/s3-fs-hadoop");
    }

    /**
     * The failure enricher: the image copies the plugin directory the build makes into Flink's
     * plugins, and the FlinkDeployment names the class the plugin's factory creates (Flink matches
     * {@code jobmanager.failure-enrichers} against the enricher's class name, not the factory's).
     */
    @Test
    void theImageShipsTheFailureEnricherPluginAndTheFlinkDeploymentTurnsItOn() throws IOException {
        Map<String, String> conf = baseDeployment().getSpec().getFlinkConfiguration();
        String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
        String cliPom = Files.readString(DEPLOY.resolveSibling("tidemark-cli").resolve("pom.xml"));

        assertThat(conf).containsEntry("jobmanager.failure-enrichers", FailureEnricherOptions.ENRICHER_CLASS);
        assertThat(org.apache.flink.util.TimeUtils.parseDuration(conf.get(FailureEnricherOptions.SAME_CAUSE_WINDOW.key())))
                .isEqualTo(FailureEnricherOptions.SAME_CAUSE_WINDOW.defaultValue());
        List<FailureEnricher> created = ServiceLoader.load(FailureEnricherFactory.class).stream()
                .map(factory -> factory.get().createFailureEnricher(new org.apache.flink.configuration.Configuration()))
                .toList();
        assertThat(created).extracting(enricher -> enricher.getClass().getName())
                .contains(conf.get("jobmanager.failure-enrichers"));

        assertThat(dockerfile).contains("ARG ENRICHER_PLUGIN=tidemark-cli/target/plugins/tidemark-failure-enricher\n")
                .containsPattern("(?m)^COPY --chown=flink:flink \\$\\{ENRICHER_PLUGIN}/ /opt/flink/plugins/tidemark-failure-enricher/$");
        // the directory the image copies is the one tidemark-cli's build fills
        assertThat(cliPom).contains("<outputDirectory>${project.build.directory}/plugins/tidemark-failure-enricher</outputDirectory>");
    }

    @Test
    void theCiWorkflowSavesAndChecksTheSavepointAgainstTheNewVersionBeforeItAppliesAndWaitsAfter() throws IOException {
        JsonNode workflow = documents(DEPLOY.resolve("ci/deploy.yaml")).get(0);
        List<String> runs = new ArrayList<>();
        workflow.path("jobs").path("deploy").path("steps").forEach(step -> runs.add(step.path("run").asText("")));

        int check = indexOf(runs, "tidemark manifest check");
        int savepoint = indexOf(runs, "tidemark savepoint trigger");
        int upgradeCheck = indexOf(runs, "tidemark upgrade check --savepoint \"$ROLLBACK_SAVEPOINT\"");
        int apply = indexOf(runs, "kubectl apply");
        int waitRunning = indexOf(runs, "{.status.jobStatus.state}'=RUNNING");
        assertThat(check).isLessThan(apply);
        assertThat(savepoint).isLessThan(upgradeCheck);
        assertThat(upgradeCheck).as("the upgrade check gates the apply").isLessThan(apply);
        assertThat(waitRunning).isGreaterThan(apply);
        assertThat(runs.get(waitRunning)).contains("upgradeSavepointPath");
    }

    /** Every {@code *.yaml} under deploy/kubernetes. */
    static List<Path> yamlFiles() {
        assertThat(KUBERNETES).as("the manifests, from the module's directory").isDirectory();
        try (Stream<Path> walk = Files.walk(KUBERNETES)) {
            return walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The base FlinkDeployment's log configuration, loaded by log4j itself as the JobManager and
     * TaskManagers load it: the Flink CDC class that logs the PostgreSQL source's password at INFO
     * (FLINK-38685) logs only warnings, everything else keeps INFO on the console and the file.
     */
    @Test
    void theLogConfigurationKeepsTheSourcePasswordOutOfTheLogs() throws IOException {
        String properties = baseDeployment().getSpec().getLogConfiguration().get("log4j-console.properties");
        assertThat(properties).as("spec.logConfiguration[log4j-console.properties]").isNotNull();
        System.setProperty("log.file", Files.createTempFile("tidemark-log", ".log").toString());
        org.apache.logging.log4j.core.config.Configuration configuration =
                new org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory().getConfiguration(
                        new org.apache.logging.log4j.core.LoggerContext("deploy-test"),
                        new org.apache.logging.log4j.core.config.ConfigurationSource(
                                new java.io.ByteArrayInputStream(properties.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        configuration.initialize();

        assertThat(configuration.getLoggerConfig(
                        "org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext").getLevel())
                .isEqualTo(org.apache.logging.log4j.Level.WARN);
        assertThat(configuration.getLoggerConfig("org.apache.flink.runtime.checkpoint.CheckpointCoordinator").getLevel())
                .isEqualTo(org.apache.logging.log4j.Level.INFO);
        assertThat(configuration.getRootLogger().getAppenderRefs())
                .extracting(org.apache.logging.log4j.core.config.AppenderRef::getRef)
                .containsExactlyInAnyOrder("ConsoleAppender", "RollingFileAppender");
        assertThat(configuration.getAppenders()).containsKeys("ConsoleAppender", "RollingFileAppender");
    }

    static List<JsonNode> documents(Path file) throws IOException {
        return documents(Files.readString(file));
    }

    static List<JsonNode> documents(String yaml) throws IOException {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            return it.readAll().stream().filter(n -> !n.isNull() && !n.isMissingNode()).toList();
        }
    }

    /** A pipeline file's {@code checkpointing} section as text values. */
    static Map<String, String> pipelineCheckpointing(JsonNode pipeline) {
        Map<String, String> values = new java.util.HashMap<>();
        pipeline.path("checkpointing").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }

    private static FlinkDeployment baseDeployment() throws IOException {
        return KUBERNETES_MODEL.convertValue(documents(KUBERNETES.resolve("base/flinkdeployment.yaml")).get(0), FlinkDeployment.class);
    }

    private static int indexOf(List<String> runs, String text) {
        for (int i = 0; i < runs.size(); i++) {
            if (runs.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError("no step of deploy/ci/deploy.yaml runs " + text);
    }
}
