package io.tidemark.cli.snapshot;

import io.tidemark.cli.snapshot.CheckpointWatchRenderer.Glyphs;
import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watch's frame as a terminal shows it, rendered from values alone: the checkpoint table with
 * its alignment and start delay, sparklines scaled from zero, a metric the job does not report shown
 * as {@code -}, and plain ASCII where the terminal is not UTF-8.
 */
class CheckpointWatchRendererTest {

    private static final JobID JOB = JobID.fromHexString("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    private static final Instant AT = Instant.parse("2026-12-07T10:15:03.421Z");

    private final CheckpointWatchRenderer unicode = new CheckpointWatchRenderer(Glyphs.UNICODE);
    private final CheckpointWatchRenderer ascii = new CheckpointWatchRenderer(Glyphs.ASCII);

    @Test
    void aFrameShowsTheJobTheRecentCheckpointsTheirTrendAndTheMetrics() {
        List<String> lines = unicode.render(busyFrame());

        assertThat(lines).containsExactly(
                "job 0a1b2c3d4e5f60718293a4b5c6d7e8f9 (tidemark-orders): RUNNING",
                "checkpoints: 42 completed, 1 failed, 1 in progress, 0 restored (44 triggered)",
                "as of 2026-12-07T10:15:03Z",
                "",
                "checkpoint  status       duration alignment start delay       size  processed",
                "       #44  IN_PROGRESS    900 ms         -           -        0 B        0 B",
                "       #43  COMPLETED       1.5 s     1.3 s        3 ms   12.8 KiB        0 B",
                "       #42  COMPLETED       38 ms      0 ms        2 ms   12.3 KiB        0 B",
                "       #41  FAILED          2m00s     2m05s       40 ms        0 B        0 B  Checkpoint expired before completing.",
                "",
                "trend, oldest → newest:",
                "  duration   █▁▁▁        900 ms (highest 2m00s)",
                "  alignment  █▁▁         - (highest 2m05s)",
                "  size       ▁██▁        0 B (highest 12.8 KiB)",
                "",
                "sink       table                   lag  changes/s",
                "warehouse  public_orders        120 ms       85.0",
                "warehouse  public_customers          -          -",
                "source     backlog   retained",
                "pg         1.2 MiB          -",
                "dead letters pending: 3");
    }

    @Test
    void withoutUtf8TheFrameIsPlainAscii() {
        List<String> lines = ascii.render(busyFrame());

        assertThat(lines).allSatisfy(line -> assertThat(line.chars()).allMatch(c -> c < 128));
        assertThat(lines).contains(
                "trend, oldest -> newest:",
                "  duration   #___        900 ms (highest 2m00s)",
                "  alignment  #__         - (highest 2m05s)",
                "  size       _##_        0 B (highest 12.8 KiB)");
    }

    @Test
    void whatTheJobDoesNotReportIsADash() {
        List<String> lines = unicode.render(frame(List.of(), List.of(), List.of(), null));

        assertThat(lines.subList(3, lines.size())).containsExactly(
                "",
                "no checkpoints yet",
                "",
                "sink lag: - (the job reports no Tidemark sink metrics)",
                "source backlog: - (the job reports no Tidemark source metrics)",
                "dead letters pending: -");
    }

    @Test
    void sparklinesScaleFromZeroToTheHighestAndLeaveUnknownValuesBlank() {
        List<Long> ramp = List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(unicode.sparkline(ramp)).isEqualTo("▁▂▃▄▅▆▇█");
        assertThat(ascii.sparkline(ramp)).isEqualTo("_.-~=+*#");
        assertThat(unicode.sparkline(List.of(0L, 50L, 100L))).isEqualTo("▁▅█");
        // a steady value is a flat line, not noise magnified
        assertThat(unicode.sparkline(List.of(38L, 39L, 38L))).isEqualTo("███");
        assertThat(unicode.sparkline(List.of(0L, 0L))).isEqualTo("▁▁");
        assertThat(unicode.sparkline(Arrays.asList(null, 3L, null))).isEqualTo(" █ ");
        assertThat(unicode.sparkline(Arrays.asList(null, null))).isEqualTo("-");
    }

    @Test
    void durationsReadAsMillisecondsSecondsOrMinutes() {
        assertThat(CheckpointWatchRenderer.duration(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(CheckpointWatchRenderer.duration(Duration.ofMillis(999))).isEqualTo("999 ms");
        assertThat(CheckpointWatchRenderer.duration(Duration.ofMillis(1_250))).isEqualTo("1.3 s");
        assertThat(CheckpointWatchRenderer.duration(Duration.ofSeconds(125))).isEqualTo("2m05s");
        assertThat(CheckpointWatchRenderer.duration(null)).isEqualTo("-");
    }

    @Test
    void theTableShowsTheTenNewestAndMarksSavepoints() {
        List<RecentCheckpoint> recent = new ArrayList<>();
        for (long id = 20; id > 8; id--) {
            recent.add(checkpoint(id, RecentCheckpoint.Status.COMPLETED, 40, 0L, 1L, 1024));
        }
        recent.set(0, new RecentCheckpoint(20, RecentCheckpoint.Status.COMPLETED, true, AT, Duration.ofMillis(40), 1024,
                1024, 0, 0, 4, 4, Duration.ZERO, Duration.ofMillis(1), null));

        List<String> lines = unicode.render(frame(recent, List.of(), List.of(), 0L));

        assertThat(lines).filteredOn(l -> l.matches(" +#\\d+ .*")).hasSize(CheckpointWatchRenderer.TABLE_ROWS)
                .first().asString().startsWith("       #20").endsWith("  savepoint");
        assertThat(lines).contains("  duration   ██████████  40 ms (highest 40 ms)", "dead letters pending: 0");
    }

    @Test
    void aUtf8OutputGetsUnicodeAndAnyOtherAscii() {
        assertThat(Glyphs.of(StandardCharsets.UTF_8)).isEqualTo(Glyphs.UNICODE);
        assertThat(Glyphs.of(StandardCharsets.US_ASCII)).isEqualTo(Glyphs.ASCII);
        assertThat(Glyphs.of(StandardCharsets.ISO_8859_1)).isEqualTo(Glyphs.ASCII);
    }

    private static CheckpointWatchFrame busyFrame() {
        List<RecentCheckpoint> recent = List.of(
                checkpoint(44, RecentCheckpoint.Status.IN_PROGRESS, 900, null, null, 0),
                checkpoint(43, RecentCheckpoint.Status.COMPLETED, 1_520, 1_250L, 3L, 13_107),
                checkpoint(42, RecentCheckpoint.Status.COMPLETED, 38, 0L, 2L, 12_595),
                failed(41, "Checkpoint expired before completing."));
        return frame(recent,
                List.of(new CheckpointWatchFrame.SinkTableRow("warehouse", "public_orders", 120L, 90_000L, 85.04),
                        new CheckpointWatchFrame.SinkTableRow("warehouse", "public_customers", null, 12L, null)),
                List.of(new TidemarkMetrics.Source("pg", 1_258_291L, null)),
                3L);
    }

    private static CheckpointWatchFrame frame(List<RecentCheckpoint> recent, List<CheckpointWatchFrame.SinkTableRow> sinks,
            List<TidemarkMetrics.Source> sources, Long deadLetters) {
        CheckpointStatus status = new CheckpointStatus(JOB, new CheckpointStatus.Counts(44, 1, 42, 1, 0), null, null, null, null,
                new CheckpointStatus.Config("EXACTLY_ONCE", Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(30),
                        1, true, true, null, null));
        return new CheckpointWatchFrame(AT, new JobSummary(JOB, "tidemark-orders", JobStatus.RUNNING, AT.minusSeconds(600)),
                status, recent, sinks, sources, deadLetters);
    }

    private static RecentCheckpoint checkpoint(long id, RecentCheckpoint.Status status, long millis, Long alignment,
            Long startDelay, long size) {
        return new RecentCheckpoint(id, status, false, AT.minusSeconds(30 * (45 - id)), Duration.ofMillis(millis), size,
                size * 4, 0, 0, status == RecentCheckpoint.Status.COMPLETED ? 4 : 2, 4,
                alignment == null ? null : Duration.ofMillis(alignment), startDelay == null ? null : Duration.ofMillis(startDelay),
                null);
    }

    private static RecentCheckpoint failed(long id, String message) {
        return new RecentCheckpoint(id, RecentCheckpoint.Status.FAILED, false, AT.minusSeconds(30 * (45 - id)),
                Duration.ofMinutes(2), 0, 0, 0, 0, 3, 4, Duration.ofSeconds(125), Duration.ofMillis(40), message);
    }
}
