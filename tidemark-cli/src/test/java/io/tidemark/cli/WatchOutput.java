package io.tidemark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text {@code tidemark checkpoint status --watch} prints, read back as a user reads it: the
 * frames, each frame's checkpoint rows, and their durations and sizes as numbers. Fails on a value
 * that is neither a number with its unit nor {@code -}.
 */
final class WatchOutput {

    private static final String DURATION = "\\d+ ms|\\d+\\.\\d s|\\d+m\\d\\ds|-";
    private static final String SIZE = "\\d+ B|\\d+\\.\\d [KMGT]iB";
    private static final Pattern ROW = Pattern.compile(" +#(\\d+) +(COMPLETED|IN_PROGRESS|FAILED) +(" + DURATION + ") +("
            + DURATION + ") +(" + DURATION + ") +(" + SIZE + ") +(" + SIZE + ").*");

    /** A row of the checkpoint table; a duration shown as {@code -} is {@code null}. */
    record CheckpointRow(long id, String status, Long durationMillis, Long alignmentMillis, Long startDelayMillis,
            long sizeBytes, long processedBytes) {}

    private WatchOutput() {}

    /** The frames of a watch's output, each from its job line on. */
    static List<List<String>> frames(String out, String jobLine) {
        List<List<String>> frames = new ArrayList<>();
        for (String line : out.lines().toList()) {
            if (line.equals(jobLine)) {
                frames.add(new ArrayList<>());
            }
            if (!frames.isEmpty()) {
                frames.get(frames.size() - 1).add(line);
            }
        }
        return frames;
    }

    /** The checkpoint rows of a frame, newest first. */
    static List<CheckpointRow> checkpoints(List<String> frame) {
        List<CheckpointRow> rows = new ArrayList<>();
        for (String line : frame) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.add(new CheckpointRow(Long.parseLong(m.group(1)), m.group(2), millis(m.group(3)), millis(m.group(4)),
                        millis(m.group(5)), bytes(m.group(6)), bytes(m.group(7))));
            }
        }
        return rows;
    }

    /** "38 ms", "1.5 s", "2m05s" in milliseconds; "-" is null. */
    static Long millis(String text) {
        Matcher m = Pattern.compile("(\\d+) ms|(\\d+\\.\\d) s|(\\d+)m(\\d\\d)s|-").matcher(text);
        if (!m.matches()) {
            throw new AssertionError("not a duration: '" + text + "'");
        }
        if (m.group(1) != null) {
            return Long.parseLong(m.group(1));
        }
        if (m.group(2) != null) {
            return Math.round(Double.parseDouble(m.group(2)) * 1000);
        }
        return m.group(3) == null ? null : Long.parseLong(m.group(3)) * 60_000 + Long.parseLong(m.group(4)) * 1000;
    }

    /** "512 B", "12.3 KiB" in bytes. */
    static long bytes(String text) {
        Matcher m = Pattern.compile("(\\d+) B|(\\d+\\.\\d) (KiB|MiB|GiB|TiB)").matcher(text);
        if (!m.matches()) {
            throw new AssertionError("not a size: '" + text + "'");
        }
        if (m.group(1) != null) {
            return Long.parseLong(m.group(1));
        }
        int power = List.of("KiB", "MiB", "GiB", "TiB").indexOf(m.group(3)) + 1;
        return Math.round(Double.parseDouble(m.group(2)) * Math.pow(1024, power));
    }
}
