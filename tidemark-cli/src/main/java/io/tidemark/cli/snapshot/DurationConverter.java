package io.tidemark.cli.snapshot;

import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

import java.time.Duration;

/** Reads durations as Flink's configuration does: {@code 90s}, {@code 10 min}, {@code 7d}, {@code 500ms}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            Duration d = TimeUtils.parseDuration(value);
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration; use a number with a unit, such as 90s, 10m, 12h or 7d");
        }
    }
}
