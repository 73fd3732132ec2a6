package io.tidemark.kubernetes.manifest;

import io.tidemark.kubernetes.manifest.ManifestFinding.Severity;

import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkStateSnapshot;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Checks Kubernetes manifests against the checkpoint and savepoint strategy before they are applied
 * (what {@code tidemark manifest check} runs, on files or on {@code kubectl kustomize} output). Every
 * YAML document is looked at: a {@code FlinkDeployment} is read with the Flink Kubernetes Operator's
 * own model (API 1.10) and held to the strategy's checkpoint interval, timeout, minimum pause,
 * retention, durable storage and upgrade mode, and searched for secrets written into it; a
 * {@code ConfigMap} must hold no secret, and a {@code pipeline.yaml} in it (or given as a file) must
 * checkpoint to durable storage with references for its passwords; a {@code FlinkStateSnapshot} is read
 * with the operator's model. A file that cannot be read or is not YAML, and a resource the model cannot
 * read, are findings too: checking never throws on bad input.
 *
 * <pre>{@code
 * ManifestReport report = new ManifestChecker().check(List.of(Path.of("rendered.yaml")));
 * report.findings().forEach(f -> System.out.println(f.toLine()));
 * return report.hasErrors() ? 1 : 0;
 * }</pre>
 */
public final class ManifestChecker {

    /** The kind a {@link ManifestResource} has for a Tidemark pipeline file. */
    public static final String PIPELINE_KIND = "pipeline";

    /** The label of the operator's canary resources, which have no spec to check. */
    private static final String CANARY_LABEL = "flink.apache.org/canary";

    private final OperatorModel model = new OperatorModel();
    private final FlinkDeploymentRules deploymentRules;
    private final PipelineRules pipelineRules;
    private final ResourceRules resourceRules;

    /** A checker holding manifests to the spec's values ({@link CheckpointGuidelines#SPEC}). */
    public ManifestChecker() {
        this(CheckpointGuidelines.SPEC);
    }

    public ManifestChecker(CheckpointGuidelines guidelines) {
        CheckpointRules rules = new CheckpointRules(Objects.requireNonNull(guidelines, "guidelines cannot be null"));
        this.deploymentRules = new FlinkDeploymentRules(rules);
        this.pipelineRules = new PipelineRules(rules);
        this.resourceRules = new ResourceRules(rules, pipelineRules);
    }

    /** Checks the files in the order given; each file is named in its findings as it was given. */
    public ManifestReport check(List<Path> files) {
        List<ManifestResource> resources = new ArrayList<>();
        List<ManifestFinding> findings = new ArrayList<>();
        for (Path file : files) {
            String name = file.toString();
            String text;
            try {
                text = read(file);
            } catch (IOException e) {
                findings.add(new ManifestFinding(name, 0, 0, "", "", "", Severity.ERROR, unreadable(file, e)));
                continue;
            }
            ManifestReport one = check(name, text);
            resources.addAll(one.resources());
            findings.addAll(one.findings());
        }
        return new ManifestReport(resources, findings);
    }

    public ManifestReport check(Path file) {
        return check(List.of(file));
    }

    /**
     * Checks one YAML text of one or more documents, such as {@code kubectl kustomize} output read from
     * standard input; {@code source} names it in the findings ({@code <stdin>}, a file name).
     */
    public ManifestReport check(String source, String yaml) {
        Objects.requireNonNull(source, "source cannot be null");
        Objects.requireNonNull(yaml, "yaml cannot be null");
        List<ManifestResource> resources = new ArrayList<>();
        List<ManifestFinding> findings = new ArrayList<>();
        YamlStream stream = YamlStream.parse(yaml);
        for (YamlDocument document : stream.documents()) {
            checkDocument(source, document, resources, findings);
        }
        stream.syntaxError().ifPresent(e -> findings.add(new ManifestFinding(source, e.document(), e.line(), "", "", "", Severity.ERROR,
                "not valid YAML" + (e.column() > 0 ? " (column " + e.column() + ")" : "") + ": " + e.message())));
        findings.sort(Comparator.comparingInt(ManifestFinding::document).thenComparingInt(ManifestFinding::line));
        return new ManifestReport(resources, findings);
    }

    private void checkDocument(String source, YamlDocument document, List<ManifestResource> resources, List<ManifestFinding> out) {
        if (document.isResource()) {
            String kind = document.kind();
            String name = document.name();
            resources.add(new ManifestResource(source, document.index(), kind, name));
            DocumentFindings findings = new DocumentFindings(source, document, kind, name, out);
            duplicateKeys(findings, document);
            if (isCanary(document)) {
                return; // the operator's health probe resource: reconciled, never deployed
            }
            switch (kind) {
                case "FlinkDeployment" -> {
                    model.read(document.root(), FlinkDeployment.class, findings)
                            .ifPresent(deployment -> model.unknownFields(document.root(), deployment, findings));
                    deploymentRules.check(findings, document.root());
                }
                case "FlinkStateSnapshot" -> {
                    model.read(document.root(), FlinkStateSnapshot.class, findings)
                            .ifPresent(snapshot -> model.unknownFields(document.root(), snapshot, findings));
                    resourceRules.flinkStateSnapshot(findings, document.root());
                }
                case "ConfigMap" -> resourceRules.configMap(findings, document.root());
                case "Secret" -> resourceRules.secret(findings, document.root());
                default -> { }
            }
        } else if (PipelineRules.isPipeline(document.root())) {
            String name = PipelineRules.name(document.root());
            resources.add(new ManifestResource(source, document.index(), PIPELINE_KIND, name));
            DocumentFindings findings = new DocumentFindings(source, document, PIPELINE_KIND, name, out);
            duplicateKeys(findings, document);
            pipelineRules.check(findings, document.root());
        }
        // anything else (a kustomize patch list, an empty document) is not the checker's business
    }

    private static boolean isCanary(YamlDocument document) {
        return document.root().path("metadata").path("labels").path(CANARY_LABEL).asText("").equalsIgnoreCase("true");
    }

    private static void duplicateKeys(DocumentFindings findings, YamlDocument document) {
        for (YamlPath duplicate : document.duplicateKeys()) {
            findings.error(duplicate, "duplicate key: kubectl refuses the document, and other tools silently keep one of the values");
        }
    }

    private static String read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("is a directory");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static String unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return "cannot read the file: it does not exist";
        }
        if (e instanceof CharacterCodingException) {
            return "cannot read the file: it is not UTF-8 text";
        }
        if ("is a directory".equals(e.getMessage())) {
            return "is a directory: give the YAML files, or check a kustomization's output (kubectl kustomize " + file + ")";
        }
        return "cannot read the file: " + YamlStream.oneLine(e.getMessage());
    }
}
