package io.tidemark.cli;

import io.tidemark.cli.snapshot.ClusterOptions;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.teardown.PipelineTeardown;
import io.tidemark.pipeline.teardown.TeardownOptions;
import io.tidemark.pipeline.teardown.TeardownSection;
import io.tidemark.pipeline.teardown.TeardownStep;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotService;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tidemark pipeline drop FILE}: removes what a pipeline created outside its job once it is
 * stopped for good, so that nothing keeps WAL on the source or stale state in the sinks. The work is
 * {@link PipelineTeardown}'s; this command refuses while a job runs, confirms and prints.
 */
@Command(
        name = "drop",
        mixinStandardHelpOptions = true,
        description = {
            "Remove what a stopped pipeline created: its replication slot and publication on a PostgreSQL source"
                    + " (a MySQL/MariaDB source holds nothing), its rows of Tidemark's metadata tables in the JDBC"
                    + " sinks and the tables once nobody's rows are left. Dead letters and the sink tables'"
                    + " _tidemark_pos column stay unless asked for. Prints the plan first: --dry-run stops there;"
                    + " without --yes it asks for the pipeline's name on a terminal, and refuses otherwise.",
            "Refused (exit 6, nothing changed) while a job reads the slot, or while the cluster named by"
                    + " --rest-address runs the pipeline's job. A job in its initial snapshot reads the slot not yet:"
                    + " name its cluster to have that checked."})
public final class PipelineDropCommand extends TidemarkCommand {

    @Parameters(paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--yes", description = "Drop without asking (for scripts).")
    boolean yes;

    @Option(names = "--dry-run", description = "Print what would be dropped and stop; change nothing.")
    boolean dryRun;

    @Option(names = "--include-dead-letters", description = "Also delete the pipeline's dead-letter entries.")
    boolean includeDeadLetters;

    @Option(names = "--drop-position-columns",
            description = "Also drop the _tidemark_pos column from the pipeline's sink tables (where no other"
                    + " pipeline writes to the database).")
    boolean dropPositionColumns;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Override
    protected int execute() throws Exception {
        PipelineDef def = PipelineConfigLoader.load(file);
        Optional<String> running = cluster.given() ? runningJob(def) : Optional.empty();
        if (running.isPresent()) {
            return refuse(running.get());
        }
        PipelineTeardown teardown = PipelineTeardown.of(def, new TeardownOptions(includeDeadLetters, dropPositionColumns));
        List<TeardownSection> plan = teardown.plan();
        if (teardown.refusal().isPresent()) {
            return refuse(teardown.refusal().get());
        }
        if (dryRun) {
            print(def, plan, false, "Dry run: dropping pipeline " + def.name() + " would do this (nothing was changed):");
            return ExitCodes.OK;
        }
        if (!yes) {
            if (!terminal().interactive()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "stdin is not a terminal, so nobody can confirm: refusing to drop without --yes");
            }
            render(narration(), plan, false, "Dropping pipeline " + def.name() + " does this:");
            Console console = System.console();
            String typed = console == null ? null
                    : console.readLine("Type the pipeline's name (%s) to drop it: ", def.name());
            if (typed == null || !typed.strip().equals(def.name())) {
                err().println(Main.PREFIX + "not confirmed: nothing was dropped");
                return ExitCodes.FAILURE;
            }
        }
        print(def, teardown.execute(), true, "Pipeline " + def.name() + " dropped:");
        return ExitCodes.OK;
    }

    /** A job of this pipeline that the named cluster has not finished with: the name it runs under, its state. */
    private Optional<String> runningJob(PipelineDef def) throws Exception {
        String name = "tidemark-" + def.name();
        try (SnapshotService service = cluster.connect()) {
            for (JobSummary job : service.jobs()) {
                if (job.name().equals(name) && !job.status().isGloballyTerminalState()) {
                    return Optional.of("job " + job.id() + " (" + name + ") is " + job.status() + " on the cluster:"
                            + " stop it first (tidemark savepoint stop " + job.id() + "), then drop the pipeline");
                }
            }
        }
        return Optional.empty();
    }

    private int refuse(String why) {
        err().println(Main.PREFIX + why + "; nothing was dropped");
        return ExitCodes.INCOMPATIBLE_STATE;
    }

    private void print(PipelineDef def, List<TeardownSection> sections, boolean done, String heading) {
        if (json()) {
            printJson(json(def, sections, done));
        } else {
            render(out(), sections, done, heading);
        }
    }

    /** Every side, then one line per object: what goes and what stays, and why. */
    static void render(PrintStream out, List<TeardownSection> sections, boolean done, String heading) {
        out.println(heading);
        for (TeardownSection section : sections) {
            out.println(section.title());
            for (TeardownStep step : section.steps()) {
                out.println("  " + line(step, done));
            }
        }
        out.flush();
    }

    static String line(TeardownStep step, boolean done) {
        String verb = switch (step.action()) {
            case DROP -> done ? "dropped" : "drop";
            case DELETE -> done ? "deleted" : "delete";
            case KEEP -> done ? "kept" : "keep";
            case NONE -> "-";
        };
        String object = step.rows() == null ? step.object()
                : step.rows() + (step.rows() == 1 ? " row of " : " rows of ") + step.object();
        return String.format("%-8s%s%s", verb, object, step.reason() == null ? "" : ": " + step.reason());
    }

    private static Map<String, Object> json(PipelineDef def, List<TeardownSection> sections, boolean done) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pipeline", def.name());
        m.put("dropped", done);
        List<Map<String, Object>> sides = new ArrayList<>();
        for (TeardownSection section : sections) {
            Map<String, Object> side = new LinkedHashMap<>();
            side.put("side", section.title());
            List<Map<String, Object>> steps = new ArrayList<>();
            for (TeardownStep step : section.steps()) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("action", step.action().name().toLowerCase(java.util.Locale.ROOT));
                s.put("object", step.object());
                s.put("rows", step.rows());
                s.put("reason", step.reason());
                steps.add(s);
            }
            side.put("steps", steps);
            sides.add(side);
        }
        m.put("sides", sides);
        return m;
    }
}
