package io.tidemark.cli.upgrade;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.cli.snapshot.StorageOptions;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.snapshot.storage.SnapshotStorage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tidemark upgrade check}: the gate before a deploy. Run by the new version's CLI, with the
 * new version's pipeline file, against the savepoint the running job just took; exit 0 if the
 * restore would keep every sink equal to the source, 6 (and each reason on its line) if not.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Predict what restoring SAVEPOINT into this version with NEW.yaml would do, without running anything:"
                    + " state the new job has no operator for (Flink refuses the restore, or drops it with"
                    + " allowNonRestoredState), sinks and tables that would never get the rows that exist,"
                    + " parallelism beyond the saved max parallelism, a source pointed elsewhere or no longer"
                    + " holding the savepoint's position.",
            "Exit code 0: compatible; 6: not (each reason printed); other codes as for every command."})
public final class UpgradeCheckCommand extends TidemarkCommand {

    @Option(names = "--savepoint", required = true, paramLabel = "PATH",
            description = "The savepoint (or retained checkpoint) directory, or its _metadata, as a URI or local path.")
    String savepoint;

    @Option(names = "--config", required = true, paramLabel = "NEW.yaml",
            description = "The pipeline file of the version to start.")
    Path config;

    @Option(names = "--current-config", paramLabel = "OLD.yaml",
            description = "The pipeline file of the job that took the savepoint: names its operators, and finds a"
                    + " changed source, new tables and new routes.")
    Path currentConfig;

    @Option(names = "--skip-source-check",
            description = "Do not ask the new pipeline's source whether it still holds the savepoint's position.")
    boolean skipSourceCheck;

    @Option(names = "-D", paramLabel = "KEY=VALUE",
            description = "A Flink option for the savepoint's file system, e.g. -D s3.endpoint=http://minio:9000.")
    Map<String, String> flinkOptions = new LinkedHashMap<>();

    @Override
    protected int execute() throws Exception {
        PipelineDef next = PipelineConfigLoader.load(config);
        PipelineDef current = currentConfig == null ? null : PipelineConfigLoader.load(currentConfig);
        SnapshotStorage storage = SnapshotStorage.create(StorageOptions.flinkConfiguration(flinkOptions));
        UpgradeReport report = new UpgradeCheck(storage).check(savepoint, next, current, !skipSourceCheck);
        if (json()) {
            printJson(report.toJson());
        } else {
            print(report);
        }
        if (!report.compatible()) {
            long blocking = report.findings().stream()
                    .filter(f -> f.severity() == UpgradeFinding.Severity.BLOCKING).count();
            err().println(Main.PREFIX + "not compatible: " + blocking + " blocking finding" + (blocking == 1 ? "" : "s")
                    + "; do not restore " + report.savepoint() + " into this version as it is");
            return ExitCodes.INCOMPATIBLE_STATE;
        }
        return ExitCodes.OK;
    }

    private void print(UpgradeReport report) {
        long stateful = report.saved().stream().filter(SavedOperator::hasState).count();
        out().println(String.format(Locale.ROOT, "savepoint %s (checkpoint %d): %d operators, %d with state",
                report.savepoint(), report.checkpointId(), report.saved().size(), stateful));
        for (SavedOperator operator : report.saved()) {
            if (operator.hasState()) {
                out().println(String.format(Locale.ROOT, "  %-28s parallelism %d (max %d), %,d bytes: %s",
                        operator.name(), operator.parallelism(), operator.maxParallelism(), operator.stateBytes(),
                        operator.stateNames().isEmpty() ? "coordinator state" : String.join(", ", operator.stateNames())));
            }
        }
        for (UpgradeFinding finding : report.findings()) {
            out().println(finding.describe());
        }
        out().println(report.compatible() ? "compatible: the restore keeps every sink equal to the source" : "not compatible");
    }
}
