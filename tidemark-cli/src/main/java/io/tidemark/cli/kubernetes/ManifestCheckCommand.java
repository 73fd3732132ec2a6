package io.tidemark.cli.kubernetes;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.kubernetes.manifest.ManifestChecker;
import io.tidemark.kubernetes.manifest.ManifestFinding;
import io.tidemark.kubernetes.manifest.ManifestReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tidemark manifest check FILE...}: checks FlinkDeployment manifests (and the pipeline files
 * and FlinkStateSnapshots beside them), parsed with the Flink Kubernetes Operator's own model,
 * against the spec's checkpoint and savepoint guidelines. One line per finding with its YAML path;
 * exit 1 when any finding is an error, so a CI step stops a deploy that breaks the guidelines.
 * {@code -} reads standard input (e.g. {@code kubectl kustomize overlays/prod | tidemark manifest check -}).
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Check FlinkDeployment manifests against the checkpoint and savepoint strategy: interval 30-60s,"
                + " timeout 60-120s, min pause about 30s, RETAIN_ON_CANCELLATION, durable s3:// or hdfs:// storage,"
                + " upgradeMode savepoint or last-state, no inline secrets. '-' reads standard input.")
public final class ManifestCheckCommand extends TidemarkCommand {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Manifest files (multi-document YAML), or - for stdin.")
    List<String> files = new ArrayList<>();

    /** The kinds the guidelines are about; a file with none of them was not really checked. */
    private static final List<String> CHECKED_KINDS = List.of("FlinkDeployment", "FlinkStateSnapshot", ManifestChecker.PIPELINE_KIND);

    /** Where {@code -} reads from; standard input unless a test says otherwise. */
    InputStream stdin = System.in;

    @Override
    protected int execute() throws IOException {
        ManifestChecker checker = new ManifestChecker();
        List<ManifestReport> reports = new ArrayList<>();
        for (String file : files) {
            reports.add(file.equals("-")
                    ? checker.check("<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8))
                    : checker.check(List.of(Path.of(file))));
        }
        List<ManifestFinding> findings = reports.stream().flatMap(r -> r.findings().stream()).toList();
        int resources = reports.stream().mapToInt(r -> CHECKED_KINDS.stream().mapToInt(k -> r.resources(k).size()).sum()).sum();
        long errors = findings.stream().filter(ManifestFinding::isError).count();
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("resources", reports.stream().flatMap(r -> r.resources().stream()).map(r -> Map.of(
                    "file", r.file(), "document", r.document(), "kind", r.kind(), "name", r.name())).toList());
            m.put("findings", findings.stream().map(ManifestCheckCommand::json).toList());
            m.put("errors", errors);
            printJson(m);
        } else {
            findings.forEach(f -> out().println(f.toLine()));
            out().println(resources + (resources == 1 ? " resource" : " resources") + " checked: " + errors
                    + (errors == 1 ? " error, " : " errors, ") + (findings.size() - errors) + " warning(s)");
        }
        if (resources == 0) {
            err().println(Main.PREFIX + "no FlinkDeployment, FlinkStateSnapshot or pipeline file found in " + String.join(", ", files));
            return ExitCodes.FAILURE;
        }
        return errors > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    private static Map<String, Object> json(ManifestFinding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", f.file());
        m.put("line", f.line());
        m.put("document", f.document());
        m.put("resource", f.resource());
        m.put("path", f.path());
        m.put("severity", f.severity().name());
        m.put("message", f.message());
        return m;
    }
}
