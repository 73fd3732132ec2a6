package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The strategy's rules for a Tidemark {@code pipeline.yaml}, on its own or inside a ConfigMap. The job
 * sets the pipeline's {@code checkpointing} keys on itself ({@code PipelineJobMain}), over the cluster's
 * configuration: a pipeline without {@code checkpoints-dir} checkpoints to a {@code file://} directory
 * inside the pod whatever the FlinkDeployment says. Passwords must be references.
 */
final class PipelineRules {

    private static final YamlPath CHECKPOINTING = YamlPath.of("checkpointing");
    private static final String SPEC_STORAGE = "the spec wants S3 or HDFS (s3://bucket/..., hdfs://...)";

    private final CheckpointRules rules;

    PipelineRules(CheckpointRules rules) {
        this.rules = rules;
    }

    /** Whether a document is a pipeline file: a mapping with {@code source} and {@code sinks}, and no {@code kind}. */
    static boolean isPipeline(JsonNode root) {
        return root.isObject() && !root.has("kind") && root.path("source").isObject() && root.path("sinks").isArray();
    }

    static String name(JsonNode root) {
        return root.path("pipeline").path("name").asText("");
    }

    void check(DocumentFindings findings, JsonNode root) {
        JsonNode cp = root.path("checkpointing");
        // absent timing keys take Tidemark's defaults, which are the spec's values
        value(cp, "interval").ifPresent(v -> rules.interval(findings, CHECKPOINTING.key("interval"), v));
        value(cp, "timeout").ifPresent(v -> rules.timeout(findings, CHECKPOINTING.key("timeout"), v));
        value(cp, "min-pause").ifPresent(v -> rules.minPause(findings, CHECKPOINTING.key("min-pause"), v));
        value(cp, "externalized-retention").ifPresent(v -> rules.retention(findings, CHECKPOINTING.key("externalized-retention"), v));
        value(cp, "checkpoints-dir").ifPresentOrElse(
                v -> rules.storage(findings, CHECKPOINTING.key("checkpoints-dir"), v, "checkpoints"),
                () -> findings.error(CHECKPOINTING.key("checkpoints-dir"), "missing: the job then checkpoints to a file:// directory inside the pod,"
                        + " over the FlinkDeployment's checkpoint directory; " + SPEC_STORAGE));
        value(cp, "savepoints-dir").ifPresentOrElse(
                v -> rules.storage(findings, CHECKPOINTING.key("savepoints-dir"), v, "savepoints"),
                () -> findings.error(CHECKPOINTING.key("savepoints-dir"), "missing: the job's default savepoint directory is then a file:// directory"
                        + " inside the pod; " + SPEC_STORAGE));
        literalSecrets(findings, YamlPath.ROOT, root,
                "reference it: ${file:/path} (a mounted Secret) or ${env:NAME} (env from a secretKeyRef)");
    }

    /** Reports every secret-looking key under {@code node} whose value is written out rather than referenced. */
    static void literalSecrets(DocumentFindings findings, YamlPath path, JsonNode node, String fix) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                YamlPath child = path.key(field.getKey());
                JsonNode value = field.getValue();
                if (value.isValueNode() && !value.isNull() && !value.asText().isBlank()
                        && SecretNames.isSecretConfigKey(field.getKey()) && !SecretNames.isReference(value.asText())) {
                    findings.error(child, "a literal secret; " + fix);
                } else {
                    literalSecrets(findings, child, value, fix);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                literalSecrets(findings, path.index(i), node.get(i), fix);
            }
        }
    }

    private static Optional<String> value(JsonNode section, String key) {
        return FlinkDeploymentRules.value(section, key);
    }
}
