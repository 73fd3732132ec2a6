package io.tidemark.cli.flink;

import io.tidemark.snapshot.JobObserver;
import io.tidemark.snapshot.SnapshotPhase;
import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Says on the console how the initial snapshot goes while {@code tidemark run} waits: every {@code
 * every}, the rows copied per table (the most any sink applied), the chunks read of those the
 * source has split, the rate and about how long is left; once the job reads the change stream, one
 * line with the totals, and then nothing more. The chunks come from Flink CDC's enumerator, the rows
 * from Tidemark's sink metrics, both through the cluster's REST API.
 */
public final class SnapshotProgressWatch {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotProgressWatch.class);

    private final JobObserver jobs;
    private final JobID job;
    private final Consumer<String> console;
    private final Duration every;
    private final Map<String, String> tableNames;
    private final long started = System.nanoTime();
    private long lastLine = System.nanoTime();
    private boolean over;

    /**
     * {@code tables} are the pipeline's source tables ({@code public.orders}): Flink's metric names
     * carry them with {@code _} for {@code .}, and the lines name them as the pipeline file does.
     */
    public SnapshotProgressWatch(JobObserver jobs, JobID job, Consumer<String> console, Duration every,
            java.util.Collection<String> tables) {
        this.jobs = jobs;
        this.job = job;
        this.console = console;
        this.every = every;
        this.tableNames = new TreeMap<>();
        tables.forEach(table -> tableNames.put(table.replace('.', '_'), table));
    }

    /** Prints a line if one is due; a cluster that does not answer now is asked again next time. */
    public void check() {
        if (over || System.nanoTime() - lastLine < every.toNanos()) {
            return;
        }
        lastLine = System.nanoTime();
        try {
            SnapshotPhase phase = jobs.snapshotPhase(job);
            if (!phase.known()) {
                return;
            }
            Map<String, Long> rows = rowsPerTable(jobs.tidemarkMetrics(job), tableNames);
            long total = rows.values().stream().mapToLong(Long::longValue).sum();
            double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
            if (phase.streaming() && !phase.snapshotting()) {
                over = true;
                if (phase.chunksProcessed() > 0) {
                    console.accept(String.format(Locale.ROOT, "Snapshot done: %,d rows of %d table%s in %s (%,d rows/s);"
                            + " streaming changes now", total, rows.size(), rows.size() == 1 ? "" : "s", time(seconds),
                            Math.round(total / seconds)));
                }
                return;
            }
            StringBuilder line = new StringBuilder("Snapshot: ");
            if (rows.isEmpty()) {
                line.append("no rows in the sinks yet");
            }
            rows.forEach((table, n) -> line.append(line.length() > "Snapshot: ".length() ? ", " : "")
                    .append(String.format(Locale.ROOT, "%s %,d rows", table, n)));
            long chunks = phase.chunksProcessed() + phase.chunksRemaining();
            line.append(String.format(Locale.ROOT, "; %,d of %,d chunks read", phase.chunksProcessed(), chunks));
            line.append(String.format(Locale.ROOT, "; %,d rows/s", Math.round(total / seconds)));
            if (phase.chunksProcessed() > 0 && phase.chunksRemaining() > 0) {
                line.append("; about ").append(time(seconds * phase.chunksRemaining() / phase.chunksProcessed()))
                        .append(" left");
            }
            console.accept(line.toString());
        } catch (Exception e) {
            LOG.debug("No snapshot progress from the cluster this time", e);
        }
    }

    /** Rows applied per source table: the most of any sink (each sink gets every row). */
    private static Map<String, Long> rowsPerTable(TidemarkMetrics metrics, Map<String, String> tableNames) {
        Map<String, Long> rows = new TreeMap<>();
        for (TidemarkMetrics.SinkTable table : metrics.sinkTables()) {
            if (table.changesApplied() != null) {
                rows.merge(tableNames.getOrDefault(table.table(), table.table()), table.changesApplied(), Math::max);
            }
        }
        return rows;
    }

    private static String time(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : s < 3600 ? s / 60 + "m " + s % 60 + "s" : s / 3600 + "h " + s / 60 % 60 + "m";
    }
}
