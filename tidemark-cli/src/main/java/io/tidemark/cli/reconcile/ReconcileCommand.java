package io.tidemark.cli.reconcile;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.cli.snapshot.DurationConverter;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;
import io.tidemark.reconcile.TableReconciliation;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tidemark reconcile FILE}: proves that each sink equals the source, table by table along
 * the pipeline's routes, or names the keys that differ. Reads only; safe while the job runs (keys
 * still in flight are re-read until they settle). Exits 0 if everything is equal, 1 if not.
 */
@Command(
        name = "reconcile",
        mixinStandardHelpOptions = true,
        description = {
            "Compare the source with each sink, table by table: checksums computed inside each database over"
                    + " primary-key ranges, bisected down to the differing keys (Redis: every key is read)."
                    + " Differing keys are re-read until the running job has applied what is in flight"
                    + " (--settle-timeout); the keys that stay different are reported.",
            "Exit code 0: every table equal; 1: a difference (or a table that cannot be compared)."})
public final class ReconcileCommand extends TidemarkCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--table", paramLabel = "TABLE",
            description = "Only this source table (repeatable), written as in the pipeline file.")
    List<String> tables = new ArrayList<>();

    @Option(names = "--sink", paramLabel = "NAME", description = "Only this sink (repeatable).")
    List<String> sinks = new ArrayList<>();

    @Option(names = "--max-diffs", paramLabel = "N", defaultValue = "" + ReconcileOptions.DEFAULT_MAX_DIFFS,
            description = "Stop looking for differing keys of a table after N (default: ${DEFAULT-VALUE}).")
    int maxDiffs;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "10",
            description = "Differing keys to print per table (default: ${DEFAULT-VALUE}; JSON output has all).")
    int sample;

    @Option(names = "--settle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "30s",
            description = "How long differing keys are re-read before they are reported, so that changes the"
                    + " running job has not applied yet are not (default: ${DEFAULT-VALUE}; 0 reports at once).")
    Duration settleTimeout;

    @Override
    protected int execute() throws Exception {
        PipelineDef def = PipelineConfigLoader.load(file);
        ReconcileOptions options = ReconcileOptions.defaults().withTables(tables).withSinks(sinks)
                .withMaxDiffs(maxDiffs).withSettleTimeout(settleTimeout);
        ReconcileReport report = new Reconciler(def, options, new Progress(narration(),
                terminal().interactive() && !json(), !json())).run();
        if (json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("pipeline", def.name());
            result.put("equal", report.equal());
            result.put("tables", report.tables().stream().map(TableReconciliation::toJson).toList());
            printJson(result);
        }
        if (!report.equal()) {
            long tablesDifferent = report.tables().stream().filter(t -> !t.equal()).count();
            err().println(Main.PREFIX + tablesDifferent + " of " + report.tables().size()
                    + " table comparisons differ; rerun with --settle-timeout longer if the job was catching up");
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    /** The result lines and, on a terminal, a progress line redrawn in place. */
    private final class Progress implements ReconcileListener {
        private final PrintStream out;
        private final boolean redraw;
        private final boolean results;
        private long lastLine;

        Progress(PrintStream out, boolean redraw, boolean results) {
            this.out = out;
            this.redraw = redraw;
            this.results = results;
        }

        @Override
        public void progress(String table, String sink, double fraction, long rows) {
            long now = System.nanoTime();
            if (fraction < 1 && now - lastLine < 2_000_000_000L) {
                return;
            }
            lastLine = now;
            String line = String.format(Locale.ROOT, "  %s -> %s: %.0f%% of the key range, %,d source rows",
                    table, sink, fraction * 100, rows);
            if (redraw) {
                out.print("\r" + line + "\u001b[K");
            } else if (fraction < 1) {
                out.println(line);
            }
        }

        @Override
        public void settling(String table, String sink, int keys) {
            clear();
            out.println(String.format(Locale.ROOT, "  %s -> %s: re-reading %,d differing key%s until they settle",
                    table, sink, keys, keys == 1 ? "" : "s"));
        }

        @Override
        public void tableDone(TableReconciliation t) {
            clear();
            if (!results) {
                return;
            }
            out.println(String.format(Locale.ROOT, "%-9s %s -> %s (%s): %,d source rows, %,d in the sink",
                    t.equal() ? "EQUAL" : "DIFFERENT", t.table(), t.sink(), t.sinkTable(), t.sourceRows(), t.sinkRows()));
            out.println(String.format(Locale.ROOT, "          %s; %,d statements, %,d rows downloaded, %.1f s%s",
                    t.method(), t.statements(), t.rowsDownloaded(), t.elapsed().toMillis() / 1000.0,
                    t.settled() > 0 ? "; " + t.settled() + " keys were in flight and settled" : ""));
            if (!t.equal()) {
                out.println(String.format(Locale.ROOT, "          %,d missing, %,d extra, %,d different%s",
                        t.missing(), t.extra(), t.different(),
                        t.truncated() ? " (stopped at --max-diffs; there may be more)" : ""));
                t.differences().stream().limit(sample).forEach(d -> out.println("    " + d.describe()));
                if (t.differences().size() > sample) {
                    out.println("    … " + (t.differences().size() - sample) + " more (--sample, --output json)");
                }
            }
            out.flush();
        }

        private void clear() {
            if (redraw) {
                out.print("\r\u001b[K");
            }
        }
    }
}
