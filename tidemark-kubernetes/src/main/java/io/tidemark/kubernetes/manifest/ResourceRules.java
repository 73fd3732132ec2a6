package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The rules for the resources around a FlinkDeployment: a ConfigMap must not hold a secret (and a
 * {@code pipeline.yaml} in it gets the pipeline rules), a Secret's values do not belong in a manifest,
 * and a FlinkStateSnapshot must name its job and write to durable storage.
 */
final class ResourceRules {

    private static final YamlPath DATA = YamlPath.of("data");

    private final CheckpointRules rules;
    private final PipelineRules pipelineRules;

    ResourceRules(CheckpointRules rules, PipelineRules pipelineRules) {
        this.rules = rules;
        this.pipelineRules = pipelineRules;
    }

    void configMap(DocumentFindings findings, JsonNode root) {
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("data").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            String value = entry.getValue().asText("");
            YamlPath path = DATA.key(key);
            if ((SecretNames.isSecretEnvName(key) || SecretNames.isSecretConfigKey(key)) && !value.isBlank() && !SecretNames.isReference(value)) {
                findings.error(path, "a literal secret in a ConfigMap, which anyone who may read ConfigMaps reads; keep it in a Secret");
            } else if (!isYamlFile(key) && SecretNames.secretValueShape(value).isPresent()) {
                findings.error(path, "holds " + SecretNames.secretValueShape(value).get()
                        + " in a ConfigMap, which anyone who may read ConfigMaps reads; keep it in a Secret");
            } else if (isYamlFile(key)) {
                embeddedYaml(findings, path, value);
            }
        }
    }

    private void embeddedYaml(DocumentFindings findings, YamlPath path, String text) {
        YamlStream stream = YamlStream.parse(text);
        for (YamlDocument inner : stream.documents()) {
            DocumentFindings nested = findings.nested(path, inner);
            if (PipelineRules.isPipeline(inner.root())) {
                pipelineRules.check(nested, inner.root());
            } else {
                PipelineRules.literalSecrets(nested, YamlPath.ROOT, inner.root(), "keep it in a Secret");
            }
        }
        stream.syntaxError().ifPresent(e -> findings.add(ManifestFinding.Severity.ERROR, path, findings.lineOf(path) + e.line(),
                "not valid YAML (line " + e.line() + " of the text, column " + e.column() + "): " + e.message()));
    }

    void secret(DocumentFindings findings, JsonNode root) {
        for (String field : new String[] {"data", "stringData"}) {
            JsonNode values = root.path(field);
            if (values.isObject() && !values.isEmpty()) {
                findings.warning(YamlPath.of(field), "the Secret's values are in the manifest; create it outside the manifests"
                        + " (kubectl create secret, External Secrets, Sealed Secrets) and refer to it by name");
            }
        }
    }

    void flinkStateSnapshot(DocumentFindings findings, JsonNode root) {
        JsonNode spec = root.path("spec");
        if (spec.path("jobReference").path("name").asText("").isBlank()) {
            findings.error(YamlPath.of("spec", "jobReference", "name"), "missing: the operator cannot tell which job to snapshot");
        }
        boolean savepoint = spec.path("savepoint").isObject();
        boolean checkpoint = spec.path("checkpoint").isObject();
        if (savepoint == checkpoint) {
            findings.error(YamlPath.of("spec"), "needs exactly one of savepoint and checkpoint, as the operator requires");
        }
        JsonNode path = spec.path("savepoint").path("path");
        if (path.isTextual() && !path.asText().isBlank()) {
            rules.storage(findings, YamlPath.of("spec", "savepoint", "path"), path.asText(), "savepoints");
        }
    }

    private static boolean isYamlFile(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.endsWith(".yaml") || lower.endsWith(".yml");
    }
}
