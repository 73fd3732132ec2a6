package io.tidemark.cli;

import io.tidemark.cli.demo.Demo;
import io.tidemark.cli.demo.DemoConsole;
import io.tidemark.cli.demo.DemoResult;
import io.tidemark.cli.demo.DemoSettings;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code tidemark demo}: runs the whole pipeline locally, on embedded PostgreSQL and Redis and a local
 * Flink cluster, through a savepoint and a restore, and reconciles both sinks with the source. Exit
 * code 0 only if every table is equal in both sinks.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole pipeline locally: snapshot, stream, savepoint, restore, reconcile.",
            "",
            "Needs nothing installed but a JDK: two embedded PostgreSQL"
                    + " servers, an embedded Redis and a local Flink cluster. The job writes to two sinks,"
                    + " PostgreSQL (jdbc) and Redis; it copies the seeded rows, streams a live workload,"
                    + " is stopped at a savepoint, restored from it, and catches up; then each sink is"
                    + " reconciled with the source table by table. Exits with 0 only if every table is equal"
                    + " in both sinks. Ctrl-C stops everything it started."
        })
public final class DemoCommand extends TidemarkCommand {

    /** Removed after a successful run unless --keep; the log and the pipeline file stay. */
    private static final List<String> STATE_DIRECTORIES = List.of("checkpoints", "savepoints", "secrets", "flink-tmp");

    @Option(names = "--quick", description = "Less data and shorter phases, the same steps (about 40 s).")
    boolean quick;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "Directory for the pipeline file, checkpoints, savepoints and the log"
                    + " (default: a new temporary directory).")
    Path workDir;

    @Option(names = "--keep", description = "Keep checkpoints, savepoints and password files after a successful run.")
    boolean keep;

    @Override
    protected int execute() throws Exception {
        Path dir = workDir == null ? Files.createTempDirectory("tidemark-demo-") : Files.createDirectories(workDir);
        Path logFile = dir.resolve("tidemark.log");
        Logging.toFile(logFile);
        DemoConsole console = new DemoConsole(narration(), terminal().interactive() && !json());
        DemoSettings settings = quick ? DemoSettings.quick() : DemoSettings.full();

        DemoResult result;
        Resources resources = new Resources("tidemark-demo", console::stopping, console::stopped);
        try {
            result = new Demo(settings, console, dir, logFile, resources).run();
        } catch (Exception e) {
            if (resources.interrupted()) {
                return ExitCodes.INTERRUPTED;
            }
            console.line("Kept for inspection: " + dir + " (log: " + logFile.getFileName() + ")");
            throw e;
        } finally {
            resources.close();
        }

        if (json()) {
            printJson(result.toJson());
        }
        if (!result.equal()) {
            console.line("Kept for inspection: " + dir + " (log: " + logFile.getFileName() + ")");
            err().println(Main.PREFIX + "reconciliation found differences in " + String.join(", ", result.differentTables()));
            return ExitCodes.FAILURE;
        }
        if (!keep) {
            for (String state : STATE_DIRECTORIES) {
                deleteRecursively(dir.resolve(state));
            }
        }
        return ExitCodes.OK;
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
