package io.tidemark.cli.snapshot;

import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointResult;

import org.apache.flink.api.common.JobID;
import picocli.CommandLine;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the savepoint, checkpoint and restore commands share: parsing a job id, and showing that a
 * long wait is still going on. Progress goes to stderr, so that stdout holds only the result (a
 * path, a job id, a JSON document) for scripts to capture.
 */
public abstract class SnapshotCommand extends TidemarkCommand {

    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    /** A 32-hex-digit Flink job id, or a usage error naming the value. */
    protected JobID jobId(String text) {
        try {
            return JobID.fromHexString(text.strip());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "JOB_ID: '" + text + "' is not a Flink job id (32 hex digits, as 'flink list' or the Web UI shows)");
        }
    }

    /** Prints "waiting for ... (12s)" to stderr every few seconds of a wait. */
    protected ProgressListener progress() {
        PrintStream err = err();
        AtomicLong lastShown = new AtomicLong();
        return (what, elapsed) -> {
            long seconds = elapsed.toSeconds();
            if (seconds >= PROGRESS_EVERY.toSeconds() && seconds - lastShown.get() >= PROGRESS_EVERY.toSeconds()) {
                lastShown.set(seconds);
                err.println(Main.PREFIX + "waiting for " + what + " (" + seconds + "s)");
                err.flush();
            }
        };
    }

    /** A completed savepoint: its path alone on stdout (for scripts), or a JSON document. */
    protected void printSavepoint(SavepointResult result) {
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jobId", result.job().toString());
            m.put("path", result.path());
            m.put("tookMillis", result.took().toMillis());
            printJson(m);
        } else {
            out().println(result.path());
        }
    }

    /** A human-readable size: 512 B, 1.5 KiB, 20.0 MiB. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
