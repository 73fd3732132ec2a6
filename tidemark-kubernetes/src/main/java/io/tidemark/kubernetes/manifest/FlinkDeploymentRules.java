package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.CHECKPOINTS_DIR;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.HA_STORAGE_DIR;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.HA_TYPE;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.INTERVAL;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.MIN_PAUSE;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.NEW_SAVEPOINTS_DIR;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.RETENTION;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.SAVEPOINTS_DIR;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.SPEC_CHECKPOINTS_DIR;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.SPEC_SAVEPOINTS_DIR;
import static io.tidemark.kubernetes.manifest.FlinkConfigKeys.TIMEOUT;

/**
 * The strategy's rules for a FlinkDeployment, read from the document as written (the operator's model
 * turns a missing upgrade mode into {@code stateless} and a number into a string, and a check must see
 * the difference): checkpoint timing, retention and storage in {@code spec.flinkConfiguration}, high
 * availability, the upgrade mode, and secrets written into the manifest.
 */
final class FlinkDeploymentRules {

    private static final YamlPath CONF = YamlPath.of("spec", "flinkConfiguration");
    private static final List<YamlPath> POD_TEMPLATES = List.of(
            YamlPath.of("spec", "podTemplate"),
            YamlPath.of("spec", "jobManager", "podTemplate"),
            YamlPath.of("spec", "taskManager", "podTemplate"));
    private static final String SPEC_STORAGE = "the spec wants S3 or HDFS (s3://bucket/..., hdfs://...)";

    private final CheckpointRules rules;

    FlinkDeploymentRules(CheckpointRules rules) {
        this.rules = rules;
    }

    void check(DocumentFindings findings, JsonNode root) {
        JsonNode conf = CONF.in(root);
        nonStringValues(findings, conf);
        checkpointing(findings, conf);
        boolean savepointUpgrades = "savepoint".equals(upgradeMode(root).orElse(""));
        storage(findings, conf, savepointUpgrades);
        boolean ha = highAvailability(findings, conf);
        upgradeMode(findings, root, ha);
        secretConfiguration(findings, conf);
        secretEnv(findings, root);
    }

    /** The operator 1.10 CRD types every flinkConfiguration value as a string: the API server refuses anything else. */
    private static void nonStringValues(DocumentFindings findings, JsonNode conf) {
        for (Iterator<Map.Entry<String, JsonNode>> it = conf.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode value = entry.getValue();
            if (value.isTextual() || value.isContainerNode()) {
                continue; // a mapping or list is what the operator's model itself cannot read, reported as such
            }
            String what = value.isNull() ? "an empty value" : value.isBoolean() ? "the boolean " + value : value.isIntegralNumber() ? "the integer " + value : "the number " + value;
            String fix = value.isNull() ? "give it a value or remove it" : "quote it (\"" + value.asText() + "\")";
            findings.error(CONF.key(entry.getKey()), "must be a string: the FlinkDeployment CRD (operator 1.10) rejects " + what + "; " + fix);
        }
    }

    private void checkpointing(DocumentFindings findings, JsonNode conf) {
        value(conf, INTERVAL).ifPresentOrElse(
                v -> rules.interval(findings, CONF.key(INTERVAL), v),
                () -> findings.error(CONF.key(INTERVAL), "missing: Flink then takes no checkpoints; the spec wants 30–60 s"));
        value(conf, TIMEOUT).ifPresentOrElse(
                v -> rules.timeout(findings, CONF.key(TIMEOUT), v),
                () -> findings.error(CONF.key(TIMEOUT), "missing: Flink's default is 10 min; the spec wants 60–120 s"));
        value(conf, MIN_PAUSE).ifPresentOrElse(
                v -> rules.minPause(findings, CONF.key(MIN_PAUSE), v),
                () -> findings.error(CONF.key(MIN_PAUSE), "missing: Flink's default is 0, so checkpoints can run back to back; the spec wants about 30 s (20–40 s)"));
        value(conf, RETENTION).ifPresentOrElse(
                v -> rules.retention(findings, CONF.key(RETENTION), v),
                () -> findings.error(CONF.key(RETENTION), "missing: Flink then keeps no checkpoint once the job stops; the spec wants "
                        + CheckpointRules.RETAIN));
    }

    private void storage(DocumentFindings findings, JsonNode conf, boolean savepointUpgrades) {
        directories(findings, conf, CHECKPOINTS_DIR, SPEC_CHECKPOINTS_DIR, "checkpoints",
                "missing: checkpoints then stay in the JobManager's memory and are lost with it; " + SPEC_STORAGE);
        directories(findings, conf, SAVEPOINTS_DIR, SPEC_SAVEPOINTS_DIR, "savepoints",
                "missing: the operator then cannot take the savepoints that upgrades restore from; " + SPEC_STORAGE);
        if (value(conf, NEW_SAVEPOINTS_DIR).isPresent() && value(conf, SPEC_SAVEPOINTS_DIR).isEmpty()
                && value(conf, SAVEPOINTS_DIR.get(2)).isEmpty()) {
            String message = "the Flink Kubernetes Operator 1.10 (built on Flink 1.19) reads only " + SPEC_SAVEPOINTS_DIR
                    + (savepointUpgrades ? " and refuses savepoint upgrades without it" : " for the savepoints it takes")
                    + "; set " + SPEC_SAVEPOINTS_DIR + " to the same directory";
            if (savepointUpgrades) {
                findings.error(CONF.key(NEW_SAVEPOINTS_DIR), message);
            } else {
                findings.warning(CONF.key(NEW_SAVEPOINTS_DIR), message);
            }
        }
    }

    /**
     * Checks every key that sets one directory ({@code keys}, in Flink's order of precedence): each must
     * be durable, and they must agree. {@code specKey} is where a missing directory is reported.
     */
    private void directories(DocumentFindings findings, JsonNode conf, List<String> keys, String specKey, String what, String missing) {
        List<String> present = new ArrayList<>();
        for (String key : keys) {
            value(conf, key).ifPresent(v -> {
                present.add(key);
                rules.storage(findings, CONF.key(key), v, what);
            });
        }
        if (present.isEmpty()) {
            findings.error(CONF.key(specKey), missing);
            return;
        }
        String winner = present.get(0);
        String used = value(conf, winner).orElseThrow().strip();
        for (String other : present.subList(1, present.size())) {
            if (!value(conf, other).orElseThrow().strip().equals(used)) {
                findings.warning(CONF.key(other), "differs from " + winner + " (" + used + "), which Flink 1.20 reads first; give both the same directory");
            }
        }
    }

    /** Whether high availability is on; if it is, its storage must be durable. */
    private boolean highAvailability(DocumentFindings findings, JsonNode conf) {
        Optional<String> type = HA_TYPE.stream().map(key -> value(conf, key)).flatMap(Optional::stream).findFirst();
        boolean on = type.isPresent() && !type.get().strip().equalsIgnoreCase("none");
        if (on) {
            value(conf, HA_STORAGE_DIR).ifPresentOrElse(
                    v -> rules.storage(findings, CONF.key(HA_STORAGE_DIR), v, "high-availability metadata"),
                    () -> findings.error(CONF.key(HA_STORAGE_DIR), "missing: Flink's high availability does not start without it; " + SPEC_STORAGE));
        }
        return on;
    }

    private static void upgradeMode(DocumentFindings findings, JsonNode root, boolean ha) {
        JsonNode job = root.path("spec").path("job");
        if (!job.isObject()) {
            return; // a session cluster: its jobs are FlinkSessionJobs, with upgrade modes of their own
        }
        YamlPath path = YamlPath.of("spec", "job", "upgradeMode");
        Optional<String> mode = upgradeMode(root);
        if (mode.isEmpty()) {
            findings.error(path, "missing: the operator then upgrades stateless, starting the new version without its state; the spec wants savepoint (or last-state)");
        } else if (mode.get().equals("stateless")) {
            findings.error(path, "stateless starts the new version without its state; the spec wants savepoint (or last-state) so that upgrades restore from a savepoint");
        } else if (mode.get().equals("last-state") && !ha) {
            findings.error(path, "last-state needs high availability (high-availability.type: kubernetes), and the operator refuses it otherwise; use savepoint or turn HA on");
        }
    }

    private static Optional<String> upgradeMode(JsonNode root) {
        JsonNode mode = root.path("spec").path("job").path("upgradeMode");
        return mode.isValueNode() && !mode.isNull() && !mode.asText().isBlank()
                ? Optional.of(mode.asText().strip().toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    private static void secretConfiguration(DocumentFindings findings, JsonNode conf) {
        for (Iterator<Map.Entry<String, JsonNode>> it = conf.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            if (SecretNames.isSecretConfigKey(key) && entry.getValue().isValueNode() && !entry.getValue().asText().isBlank()) {
                boolean s3 = key.startsWith("s3.") || key.startsWith("fs.s3");
                findings.error(CONF.key(key), "a credential written into the manifest; pass it from a Secret instead"
                        + (s3 ? " (env AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from secretKeyRef)" : ""));
            } else if (entry.getValue().isValueNode()) {
                SecretNames.secretValueShape(entry.getValue().asText()).ifPresent(shape -> findings.error(CONF.key(key),
                        "holds " + shape + " written into the manifest; pass it from a Secret instead"));
            }
        }
    }

    private static void secretEnv(DocumentFindings findings, JsonNode root) {
        for (YamlPath template : POD_TEMPLATES) {
            for (String list : List.of("containers", "initContainers")) {
                YamlPath containers = template.key("spec").key(list);
                JsonNode array = containers.in(root);
                for (int c = 0; c < array.size(); c++) {
                    YamlPath env = containers.index(c).key("env");
                    JsonNode vars = env.in(root);
                    for (int e = 0; e < vars.size(); e++) {
                        envVar(findings, env.index(e), vars.get(e));
                    }
                }
            }
        }
    }

    private static void envVar(DocumentFindings findings, YamlPath path, JsonNode var) {
        String name = var.path("name").asText("");
        JsonNode value = var.path("value");
        if (!SecretNames.isSecretEnvName(name)) {
            if (value.isValueNode() && !value.isNull()) {
                SecretNames.secretValueShape(value.asText()).ifPresent(shape -> findings.error(path.key("value"),
                        name + " holds " + shape + " written into the manifest; take the secret from a Secret with"
                                + " valueFrom.secretKeyRef"));
            }
            return;
        }
        if (value.isValueNode() && !value.isNull() && !value.asText().isBlank()) {
            findings.error(path.key("value"), name + " is written into the manifest; take it from a Secret with valueFrom.secretKeyRef");
        } else if (var.path("valueFrom").has("configMapKeyRef")) {
            findings.warning(path.key("valueFrom").key("configMapKeyRef"), name + " comes from a ConfigMap; keep secrets in a Secret (valueFrom.secretKeyRef)");
        }
    }

    /** A configuration value as Flink reads it; empty if the key is absent, null or blank. */
    static Optional<String> value(JsonNode conf, String key) {
        JsonNode node = conf.path(key);
        return node.isValueNode() && !node.isNull() && !node.asText().isBlank() ? Optional.of(node.asText()) : Optional.empty();
    }
}
