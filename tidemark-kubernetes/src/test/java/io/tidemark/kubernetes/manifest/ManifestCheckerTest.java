package io.tidemark.kubernetes.manifest;

import io.tidemark.kubernetes.manifest.ManifestFinding.Severity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.tidemark.kubernetes.manifest.ManifestFinding.Severity.ERROR;
import static io.tidemark.kubernetes.manifest.ManifestFinding.Severity.WARNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The checker on manifests with one thing wrong each ({@code src/test/resources/manifests/broken-*.yaml},
 * each a copy of {@code good.yaml} with one change): exactly one finding per problem, at the right path,
 * with the right severity and message; and none for the good manifests.
 */
class ManifestCheckerTest {

    private static final String CONF = "spec.flinkConfiguration";
    private static final String S3_OR_HDFS = "the spec wants S3 or HDFS (s3://bucket/..., hdfs://...)";

    private final ManifestChecker checker = new ManifestChecker();

    @Test
    void goodManifestsHaveNoFindings() {
        ManifestReport report = checker.check(manifest("good.yaml"));

        assertThat(report.findings()).isEmpty();
        assertThat(report.hasErrors()).isFalse();
        assertThat(report.resources())
                .extracting(ManifestResource::document, ManifestResource::kind, ManifestResource::name)
                .containsExactly(
                        tuple(1, "FlinkDeployment", "orders"),
                        tuple(2, "ConfigMap", "orders-pipeline"),
                        tuple(3, "FlinkStateSnapshot", "orders-savepoint"));
    }

    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                Arguments.of("broken-interval-10s.yaml", "FlinkDeployment/orders", CONF + "[\"execution.checkpointing.interval\"]", ERROR,
                        "10s is below the spec's 30–60 s: checkpoints that often slow the pipeline down"),
                Arguments.of("broken-bare-millis.yaml", "FlinkDeployment/orders", CONF + "[\"execution.checkpointing.interval\"]", ERROR,
                        "10000 ms is below the spec's 30–60 s: checkpoints that often slow the pipeline down"),
                Arguments.of("broken-timeout-300s.yaml", "FlinkDeployment/orders", CONF + "[\"execution.checkpointing.timeout\"]", ERROR,
                        "300s is above the spec's 60–120 s: a stuck checkpoint holds the next ones back that long"),
                Arguments.of("broken-min-pause-0.yaml", "FlinkDeployment/orders", CONF + "[\"execution.checkpointing.min-pause\"]", ERROR,
                        "0 is below 20 s: checkpoints can run back to back; the spec wants about 30 s (20–40 s) to prevent checkpoint backpressure"),
                Arguments.of("broken-retention-delete.yaml", "FlinkDeployment/orders",
                        CONF + "[\"execution.checkpointing.externalized-checkpoint-retention\"]", ERROR,
                        "DELETE_ON_CANCELLATION deletes the last checkpoint when the job is cancelled; the spec wants RETAIN_ON_CANCELLATION for safe rollback"),
                Arguments.of("broken-checkpoints-file.yaml", "FlinkDeployment/orders", CONF + "[\"state.checkpoints.dir\"]", ERROR,
                        "file:///flink-data/checkpoints is on the pod's (or node's) local disk: checkpoints there are lost with it; " + S3_OR_HDFS),
                Arguments.of("broken-savepoints-tmp.yaml", "FlinkDeployment/orders", CONF + "[\"state.savepoints.dir\"]", ERROR,
                        "/tmp/savepoints is a local path: savepoints there are lost with the pod; " + S3_OR_HDFS),
                Arguments.of("broken-savepoint-dir-new-key-only.yaml", "FlinkDeployment/orders", CONF + "[\"execution.checkpointing.savepoint-dir\"]", ERROR,
                        "the Flink Kubernetes Operator 1.10 (built on Flink 1.19) reads only state.savepoints.dir and refuses savepoint upgrades"
                                + " without it; set state.savepoints.dir to the same directory"),
                Arguments.of("broken-upgrade-stateless.yaml", "FlinkDeployment/orders", "spec.job.upgradeMode", ERROR,
                        "stateless starts the new version without its state; the spec wants savepoint (or last-state) so that upgrades restore from a savepoint"),
                Arguments.of("broken-upgrade-mode-missing.yaml", "FlinkDeployment/orders", "spec.job.upgradeMode", ERROR,
                        "missing: the operator then upgrades stateless, starting the new version without its state; the spec wants savepoint (or last-state)"),
                Arguments.of("broken-last-state-without-ha.yaml", "FlinkDeployment/orders", "spec.job.upgradeMode", ERROR,
                        "last-state needs high availability (high-availability.type: kubernetes), and the operator refuses it otherwise; use savepoint or turn HA on"),
                Arguments.of("broken-env-password.yaml", "FlinkDeployment/orders", "spec.podTemplate.spec.containers[0].env[2].value", ERROR,
                        "DB_PASSWORD is written into the manifest; take it from a Secret with valueFrom.secretKeyRef"),
                Arguments.of("broken-s3-secret-key.yaml", "FlinkDeployment/orders", CONF + "[\"s3.secret-key\"]", ERROR,
                        "a credential written into the manifest; pass it from a Secret instead (env AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from secretKeyRef)"),
                Arguments.of("broken-unquoted-number.yaml", "FlinkDeployment/orders", CONF + "[\"execution.checkpointing.interval\"]", ERROR,
                        "must be a string: the FlinkDeployment CRD (operator 1.10) rejects the integer 60000; quote it (\"60000\")"),
                Arguments.of("broken-wrong-field-type.yaml", "FlinkDeployment/orders", "spec.job.parallelism", ERROR,
                        "the operator's FlinkDeployment model cannot read it: expected an integer, got \"two\""),
                Arguments.of("broken-configmap-password.yaml", "ConfigMap/orders-pipeline", "data[\"pipeline.yaml\"].sinks[0].password", ERROR,
                        "a literal secret; reference it: ${file:/path} (a mounted Secret) or ${env:NAME} (env from a secretKeyRef)"),
                Arguments.of("broken-pipeline-without-checkpoints-dir.yaml", "pipeline/orders", "checkpointing.checkpoints-dir", ERROR,
                        "missing: the job then checkpoints to a file:// directory inside the pod, over the FlinkDeployment's checkpoint directory; "
                                + S3_OR_HDFS),
                Arguments.of("broken-not-yaml.yaml", "", "", ERROR, "not valid YAML (column 22): mapping values are not allowed here"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void brokenManifestHasExactlyItsFinding(String file, String resource, String path, Severity severity, String message) {
        ManifestReport report = checker.check(manifest(file));

        assertThat(report.findings())
                .extracting(ManifestFinding::resource, ManifestFinding::path, ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(tuple(resource, path, severity, message));
        assertThat(report.hasErrors()).isEqualTo(severity == ERROR);
    }

    @Test
    void aFindingIsOneLineNamingFileLineResourceAndPath() {
        Path file = manifest("broken-interval-10s.yaml");

        ManifestFinding finding = checker.check(file).findings().get(0);

        assertThat(finding.document()).isEqualTo(1);
        assertThat(finding.line()).isEqualTo(15); // the line of the key in the file
        assertThat(finding.toLine()).isEqualTo(file + ":15: ERROR FlinkDeployment/orders"
                + " spec.flinkConfiguration[\"execution.checkpointing.interval\"]: 10s is below the spec's 30–60 s:"
                + " checkpoints that often slow the pipeline down");
    }

    @Test
    void aLiteralSecretInsideAConfigMapIsFoundAtItsLineInTheFile() {
        ManifestFinding finding = checker.check(manifest("broken-configmap-password.yaml")).findings().get(0);

        assertThat(finding.line()).isEqualTo(24); // "password: hunter2" inside the block scalar
    }

    @Test
    void aFileThatIsNotYamlIsOneErrorWithItsLine() {
        ManifestFinding finding = checker.check(manifest("broken-not-yaml.yaml")).findings().get(0);

        assertThat(finding.line()).isEqualTo(3);
        assertThat(finding.toLine()).endsWith("broken-not-yaml.yaml:3: ERROR: not valid YAML (column 22): mapping values are not allowed here");
    }

    @Test
    void aMisspeltFieldIsNamedBesidesWhatItsAbsenceMeans() {
        ManifestReport report = checker.check(manifest("broken-upgrade-mode-typo.yaml"));

        assertThat(report.findings())
                .extracting(ManifestFinding::path, ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(
                        tuple("spec.job.upgradeMode", ERROR, "missing: the operator then upgrades stateless, starting the new version"
                                + " without its state; the spec wants savepoint (or last-state)"),
                        tuple("spec.job.upgradMode", WARNING, "unknown field: the operator ignores it, and kubectl apply rejects it;"
                                + " check its spelling and place"));
    }

    @Test
    void everyDocumentOfAStreamIsCheckedUpToASyntaxError() throws IOException {
        String broken = Files.readString(manifest("broken-interval-10s.yaml"));
        String yaml = broken + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n";

        ManifestReport report = checker.check("<stdin>", yaml);

        assertThat(report.findings())
                .extracting(ManifestFinding::document, ManifestFinding::path, ManifestFinding::severity)
                .containsExactly(
                        tuple(1, CONF + "[\"execution.checkpointing.interval\"]", ERROR),
                        tuple(2, "", ERROR));
        assertThat(report.findings().get(1).toLine()).isEqualTo("<stdin>:" + (broken.lines().count() + 4) + ": ERROR: not valid YAML (column 19):"
                + " while parsing a flow mapping: expected ',' or '}', but got <stream end>");
    }

    @Test
    void findingsOfSeveralFilesKeepTheFileOrder() {
        ManifestReport report = checker.check(List.of(manifest("broken-timeout-300s.yaml"), manifest("good.yaml"), manifest("broken-interval-10s.yaml")));

        assertThat(report.findings()).extracting(f -> Path.of(f.file()).getFileName().toString())
                .containsExactly("broken-timeout-300s.yaml", "broken-interval-10s.yaml");
        assertThat(report.resources()).hasSize(5);
    }

    @Test
    void aMissingFileOrADirectoryIsAFindingNotAnException(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yaml");

        ManifestReport report = checker.check(List.of(missing, dir));

        assertThat(report.findings())
                .extracting(ManifestFinding::file, ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(
                        tuple(missing.toString(), ERROR, "cannot read the file: it does not exist"),
                        tuple(dir.toString(), ERROR, "is a directory: give the YAML files, or check a kustomization's output (kubectl kustomize "
                                + dir + ")"));
    }

    @Test
    void aMinPauseAboveTheRangeIsOnlyAWarning() throws IOException {
        ManifestReport report = checker.check("pause.yaml", goodDeploymentWith("execution.checkpointing.min-pause: 30s", "execution.checkpointing.min-pause: 45s"));

        assertThat(report.findings())
                .extracting(ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(tuple(WARNING, "45s is above 40 s: it stretches the time between checkpoints; the spec wants about 30 s (20–40 s)"));
        assertThat(report.hasErrors()).isFalse();
    }

    @Test
    void theMinPauseRangeIsInclusive() throws IOException {
        assertThat(checker.check("low.yaml", goodDeploymentWith("min-pause: 30s", "min-pause: 20s")).findings()).isEmpty();
        assertThat(checker.check("high.yaml", goodDeploymentWith("min-pause: 30s", "min-pause: 40 s")).findings()).isEmpty();
        assertThat(checker.check("interval.yaml", goodDeploymentWith("interval: 60s", "interval: 30000")).findings())
                .extracting(ManifestFinding::message)
                .containsExactly("must be a string: the FlinkDeployment CRD (operator 1.10) rejects the integer 30000; quote it (\"30000\")");
    }

    @Test
    void flinkOneTwentyKeyNamesCountAsTheSpecsKeys() throws IOException {
        String yaml = goodDeploymentWith("state.checkpoints.dir: s3://flink-checkpoints/checkpoints",
                "execution.checkpointing.dir: hdfs://namenode:8020/flink/checkpoints");

        assertThat(checker.check("new-keys.yaml", yaml).findings()).isEmpty();
    }

    @Test
    void twoKeysForOneDirectoryMustAgree() throws IOException {
        String yaml = goodDeploymentWith("state.checkpoints.dir: s3://flink-checkpoints/checkpoints",
                "state.checkpoints.dir: s3://flink-checkpoints/checkpoints\n    execution.checkpointing.dir: s3a://other/checkpoints");

        assertThat(checker.check("both.yaml", yaml).findings())
                .extracting(ManifestFinding::path, ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(tuple(CONF + "[\"state.checkpoints.dir\"]", WARNING,
                        "differs from execution.checkpointing.dir (s3a://other/checkpoints), which Flink 1.20 reads first; give both the same directory"));
    }

    @Test
    void highAvailabilityNeedsDurableStorage() throws IOException {
        String yaml = goodDeploymentWith("upgradeMode: savepoint", "upgradeMode: last-state")
                .replace("    taskmanager.numberOfTaskSlots: \"2\"\n",
                        "    taskmanager.numberOfTaskSlots: \"2\"\n    high-availability.type: kubernetes\n    high-availability.storageDir: file:///flink-data/ha\n");

        assertThat(checker.check("ha.yaml", yaml).findings())
                .extracting(ManifestFinding::path, ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(tuple(CONF + "[\"high-availability.storageDir\"]", ERROR,
                        "file:///flink-data/ha is on the pod's (or node's) local disk: high-availability metadata there are lost with it; " + S3_OR_HDFS));
    }

    @Test
    void objectStoresOtherThanS3AreAWarning() throws IOException {
        String yaml = goodDeploymentWith("state.savepoints.dir: s3://flink-checkpoints/savepoints", "state.savepoints.dir: gs://flink-checkpoints/savepoints");

        assertThat(checker.check("gcs.yaml", yaml).findings())
                .extracting(ManifestFinding::severity, ManifestFinding::message)
                .containsExactly(tuple(WARNING, "gs:// is durable, but not the S3 or HDFS the spec names for savepoints"));
    }

    @Test
    void nestedFlinkConfigurationIsWhatTheOperatorModelCannotRead() throws IOException {
        String yaml = goodDeploymentWith("    state.savepoints.dir: s3://flink-checkpoints/savepoints\n",
                "    state:\n      savepoints.dir: s3://flink-checkpoints/savepoints\n");

        assertThat(checker.check("nested.yaml", yaml).findings())
                .extracting(ManifestFinding::path, ManifestFinding::message)
                .contains(tuple(CONF + ".state", "the operator's FlinkDeployment model cannot read it: expected a string, got a mapping"),
                        tuple(CONF + "[\"state.savepoints.dir\"]", "missing: the operator then cannot take the savepoints that upgrades restore"
                                + " from; " + S3_OR_HDFS));
    }

    @Test
    void duplicateKeysAreAnError() throws IOException {
        String yaml = goodDeploymentWith("    execution.checkpointing.timeout: 120s\n",
                "    execution.checkpointing.timeout: 120s\n    execution.checkpointing.timeout: 90s\n");

        assertThat(checker.check("dup.yaml", yaml).findings())
                .extracting(ManifestFinding::path, ManifestFinding::severity)
                .containsExactly(tuple(CONF + "[\"execution.checkpointing.timeout\"]", ERROR));
    }

    @Test
    void aSecretWithItsValuesInTheManifestIsAWarning() {
        String yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n";

        assertThat(checker.check("secret.yaml", yaml).findings())
                .extracting(ManifestFinding::resource, ManifestFinding::path, ManifestFinding::severity)
                .containsExactly(tuple("Secret/db", "stringData", WARNING));
    }

    @Test
    void aSecretGivenAwayByItsValueIsFoundWhateverItsName() {
        String yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: urls\ndata:\n"
                + "  SINK_URL: jdbc:postgresql://db:5432/shop?user=app&password=hunter2\n"
                + "  CACHE_URL: redis://:hunter2@cache:6379/0\n"
                + "  SOURCE_URL: jdbc:postgresql://db:5432/shop?sslmode=require\n"
                + "  DB_PW: hunter2\n";

        assertThat(checker.check("urls.yaml", yaml).findings())
                .extracting(ManifestFinding::path, ManifestFinding::message)
                .containsExactlyInAnyOrder(
                        tuple("data.SINK_URL", "holds a password in a URL's password= parameter in a ConfigMap, which"
                                + " anyone who may read ConfigMaps reads; keep it in a Secret"),
                        tuple("data.CACHE_URL", "holds a password in a URL's user info (user:password@host) in a ConfigMap,"
                                + " which anyone who may read ConfigMaps reads; keep it in a Secret"),
                        tuple("data.DB_PW", "a literal secret in a ConfigMap, which anyone who may read ConfigMaps reads;"
                                + " keep it in a Secret"));
    }

    @Test
    void theOperatorsCanaryResourceIsNotADeployment() {
        String yaml = "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata:\n  name: canary\n"
                + "  labels:\n    \"flink.apache.org/canary\": \"true\"\n";

        ManifestReport report = checker.check("canary.yaml", yaml);

        assertThat(report.findings()).isEmpty();
        assertThat(report.resources()).extracting(ManifestResource::name).containsExactly("canary");
    }

    @Test
    void otherDocumentsAreNotTheCheckersBusiness() {
        String yaml = "- op: replace\n  path: /spec/job/parallelism\n  value: 4\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: rest}\n";

        ManifestReport report = checker.check("patch.yaml", yaml);

        assertThat(report.findings()).isEmpty();
        assertThat(report.resources()).extracting(ManifestResource::kind).containsExactly("Service");
    }

    private static Path manifest(String name) {
        try {
            return Path.of(ManifestCheckerTest.class.getResource("/manifests/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The FlinkDeployment of good.yaml with one text replaced. */
    private static String goodDeploymentWith(String old, String replacement) throws IOException {
        String good = Files.readString(manifest("good.yaml")).split("\n---\n")[0];
        assertThat(good).contains(old);
        return good.replace(old, replacement);
    }
}
