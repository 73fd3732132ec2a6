package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.TidemarkMetrics;

import javax.annotation.Nullable;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Turns one {@link CheckpointWatchFrame} into the lines a terminal shows: what the Grafana
 * dashboard shows of a job, for an engineer who has only a shell. The job and its counts, a table of
 * the recent checkpoints, sparklines of duration, alignment and size over them, the lag and rate of
 * each sink table, the change log each source leaves behind, and the dead letters waiting. A pure
 * function of the frame, so that it is tested without a cluster; anything the job does not report is
 * {@code -}.
 */
final class CheckpointWatchRenderer {

    /** Checkpoints in the table; Flink keeps ten by default ({@code web.checkpoints.history}). */
    static final int TABLE_ROWS = 10;
    static final String UNKNOWN = "-";

    /** The characters of a sparkline, lowest to highest, and of an arrow: Unicode where the terminal can show it. */
    enum Glyphs {
        UNICODE("▁▂▃▄▅▆▇█", "→", "…"),
        ASCII("_.-~=+*#", "->", "...");

        private final String levels;
        private final String arrow;
        private final String ellipsis;

        Glyphs(String levels, String arrow, String ellipsis) {
            this.levels = levels;
            this.arrow = arrow;
            this.ellipsis = ellipsis;
        }

        /** Unicode if output in {@code charset} is UTF-8 (a terminal's, or the locale's when output is piped). */
        static Glyphs of(Charset charset) {
            return StandardCharsets.UTF_8.equals(charset) ? UNICODE : ASCII;
        }
    }

    private final Glyphs glyphs;

    CheckpointWatchRenderer(Glyphs glyphs) {
        this.glyphs = glyphs;
    }

    List<String> render(CheckpointWatchFrame frame) {
        List<String> lines = new ArrayList<>();
        CheckpointStatus.Counts c = frame.status().counts();
        lines.add("job " + frame.job().id() + " (" + frame.job().name() + "): " + frame.job().status());
        lines.add("checkpoints: " + c.completed() + " completed, " + c.failed() + " failed, " + c.inProgress()
                + " in progress, " + c.restored() + " restored (" + c.triggered() + " triggered)");
        lines.add("as of " + frame.at().truncatedTo(ChronoUnit.SECONDS));
        lines.add("");
        checkpoints(frame.recent(), lines);
        lines.add("");
        sinks(frame.sinkTables(), lines);
        sources(frame.sources(), lines);
        lines.add("dead letters pending: " + (frame.deadLettersPending() == null ? UNKNOWN : frame.deadLettersPending()));
        return lines;
    }

    private void checkpoints(List<RecentCheckpoint> recent, List<String> lines) {
        if (recent.isEmpty()) {
            lines.add("no checkpoints yet");
            return;
        }
        lines.add(String.format(Locale.ROOT, "%10s  %-11s %9s %9s %11s %10s %10s", "checkpoint", "status", "duration",
                "alignment", "start delay", "size", "processed"));
        for (RecentCheckpoint cp : recent.subList(0, Math.min(TABLE_ROWS, recent.size()))) {
            String note = cp.failureMessage() != null ? "  " + abbreviate(cp.failureMessage(), 60)
                    : cp.savepoint() ? "  savepoint" : "";
            lines.add(String.format(Locale.ROOT, "%10s  %-11s %9s %9s %11s %10s %10s", "#" + cp.id(), cp.status(),
                    duration(cp.duration()), duration(cp.alignment()), duration(cp.startDelay()),
                    SnapshotCommand.bytes(cp.checkpointedSizeBytes()), SnapshotCommand.bytes(cp.processedDataBytes())) + note);
        }
        // oldest to newest, left to right, as a dashboard's time axis
        List<RecentCheckpoint> oldestFirst = new ArrayList<>(recent.subList(0, Math.min(TABLE_ROWS, recent.size())));
        Collections.reverse(oldestFirst);
        lines.add("");
        lines.add("trend, oldest " + glyphs.arrow + " newest:");
        lines.add(trend("duration", oldestFirst, cp -> millis(cp.duration()), ms -> duration(Duration.ofMillis(ms))));
        lines.add(trend("alignment", oldestFirst, cp -> millis(cp.alignment()), ms -> duration(Duration.ofMillis(ms))));
        lines.add(trend("size", oldestFirst, RecentCheckpoint::checkpointedSizeBytes, SnapshotCommand::bytes));
    }

    /** One sparkline with the newest value and the highest. */
    private String trend(String label, List<RecentCheckpoint> oldestFirst, Function<RecentCheckpoint, Long> value,
            LongFunction<String> format) {
        List<Long> values = oldestFirst.stream().map(value).toList();
        Long newest = values.get(values.size() - 1);
        OptionalLong highest = values.stream().filter(Objects::nonNull).mapToLong(Long::longValue).max();
        return String.format(Locale.ROOT, "  %-10s %-10s  %s (highest %s)", label, sparkline(values),
                newest == null ? UNKNOWN : format.apply(newest),
                highest.isEmpty() ? UNKNOWN : format.apply(highest.getAsLong()));
    }

    /**
     * A sparkline of {@code values}, each scaled from zero to the highest (so that small wobbles of
     * a steady value stay flat); an unknown value is a space, and no known value at all is {@code -}.
     */
    String sparkline(List<Long> values) {
        long highest = values.stream().filter(Objects::nonNull).mapToLong(Long::longValue).max().orElse(-1);
        if (highest < 0) {
            return UNKNOWN;
        }
        int top = glyphs.levels.length() - 1;
        StringBuilder line = new StringBuilder();
        for (Long v : values) {
            if (v == null) {
                line.append(' ');
            } else {
                int level = highest == 0 ? 0 : (int) Math.round((double) Math.max(0, v) / highest * top);
                line.append(glyphs.levels.charAt(level));
            }
        }
        return line.toString();
    }

    private static void sinks(List<CheckpointWatchFrame.SinkTableRow> rows, List<String> lines) {
        if (rows.isEmpty()) {
            lines.add("sink lag: " + UNKNOWN + " (the job reports no Tidemark sink metrics)");
            return;
        }
        int sinkWidth = Math.max(4, rows.stream().mapToInt(r -> r.sink().length()).max().orElse(0));
        int tableWidth = Math.max(5, rows.stream().mapToInt(r -> r.table().length()).max().orElse(0));
        String format = "%-" + sinkWidth + "s  %-" + tableWidth + "s %10s %10s";
        lines.add(String.format(Locale.ROOT, format, "sink", "table", "lag", "changes/s"));
        for (CheckpointWatchFrame.SinkTableRow r : rows) {
            lines.add(String.format(Locale.ROOT, format, r.sink(), r.table(),
                    r.lagMs() == null ? UNKNOWN : duration(Duration.ofMillis(r.lagMs())),
                    r.changesPerSecond() == null ? UNKNOWN : String.format(Locale.ROOT, "%.1f", r.changesPerSecond())));
        }
    }

    private static void sources(List<TidemarkMetrics.Source> sources, List<String> lines) {
        if (sources.isEmpty()) {
            lines.add("source backlog: " + UNKNOWN + " (the job reports no Tidemark source metrics)");
            return;
        }
        int width = Math.max(6, sources.stream().mapToInt(s -> s.source().length()).max().orElse(0));
        String format = "%-" + width + "s  %10s %10s";
        lines.add(String.format(Locale.ROOT, format, "source", "backlog", "retained"));
        for (TidemarkMetrics.Source s : sources) {
            lines.add(String.format(Locale.ROOT, format, s.source(), bytes(s.backlogBytes()), bytes(s.retainedBytes())));
        }
    }

    /** 0 ms, 38 ms, 1.2 s, 2m05s; {@code -} if unknown. */
    static String duration(@Nullable Duration d) {
        if (d == null) {
            return UNKNOWN;
        }
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        return String.format(Locale.ROOT, "%dm%02ds", millis / 60_000, millis / 1000 % 60);
    }

    private static String bytes(@Nullable Long n) {
        return n == null ? UNKNOWN : SnapshotCommand.bytes(n);
    }

    private String abbreviate(String text, int max) {
        String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
        return line.length() <= max ? line : line.substring(0, max - glyphs.ellipsis.length()) + glyphs.ellipsis;
    }

    @Nullable
    private static Long millis(@Nullable Duration d) {
        return d == null ? null : d.toMillis();
    }
}
