package io.tidemark.kubernetes.manifest;

import org.apache.flink.util.TimeUtils;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The strategy's checks on single values, shared by a FlinkDeployment's {@code flinkConfiguration}
 * and a pipeline file's {@code checkpointing} section: the checkpoint interval, timeout and minimum
 * pause against {@link CheckpointGuidelines}, the externalized checkpoint retention, and whether a
 * directory is durable storage. Durations are read as Flink reads them ({@link TimeUtils#parseDuration}:
 * a bare number is milliseconds).
 */
final class CheckpointRules {

    static final String RETAIN = "RETAIN_ON_CANCELLATION";

    /** The file systems the spec names: S3 (Flink's three S3 schemes) and HDFS. */
    private static final Set<String> SPEC_SCHEMES = Set.of("s3", "s3a", "s3p", "hdfs");
    /** Durable object stores Flink has file systems for, which the spec does not name. */
    private static final Set<String> OTHER_DURABLE_SCHEMES = Set.of("gs", "abfs", "abfss", "wasb", "wasbs", "oss", "cosn", "obs", "viewfs");
    private static final Set<String> BUCKET_SCHEMES = Set.of("s3", "s3a", "s3p", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "cosn", "obs");
    private static final String SPEC_STORAGE = "the spec wants S3 or HDFS (s3://bucket/..., hdfs://...)";

    private final CheckpointGuidelines guidelines;

    CheckpointRules(CheckpointGuidelines guidelines) {
        this.guidelines = guidelines;
    }

    void interval(DocumentFindings findings, YamlPath path, String value) {
        String range = range(guidelines.intervalMin(), guidelines.intervalMax());
        duration(findings, path, value, range).ifPresent(d -> {
            if (d.compareTo(guidelines.intervalMin()) < 0) {
                findings.error(path, shown(value) + " is below the spec's " + range + ": checkpoints that often slow the pipeline down");
            } else if (d.compareTo(guidelines.intervalMax()) > 0) {
                findings.error(path, shown(value) + " is above the spec's " + range + ": more data is reprocessed after a failure");
            }
        });
    }

    void timeout(DocumentFindings findings, YamlPath path, String value) {
        String range = range(guidelines.timeoutMin(), guidelines.timeoutMax());
        duration(findings, path, value, range).ifPresent(d -> {
            if (d.compareTo(guidelines.timeoutMin()) < 0) {
                findings.error(path, shown(value) + " is below the spec's " + range + ": checkpoints are aborted before a slow sink commits");
            } else if (d.compareTo(guidelines.timeoutMax()) > 0) {
                findings.error(path, shown(value) + " is above the spec's " + range + ": a stuck checkpoint holds the next ones back that long");
            }
        });
    }

    void minPause(DocumentFindings findings, YamlPath path, String value) {
        String wanted = "about 30 s (" + range(guidelines.minPauseMin(), guidelines.minPauseMax()) + ")";
        duration(findings, path, value, wanted).ifPresent(d -> {
            if (d.compareTo(guidelines.minPauseMin()) < 0) {
                findings.error(path, shown(value) + " is below " + seconds(guidelines.minPauseMin())
                        + ": checkpoints can run back to back; the spec wants " + wanted + " to prevent checkpoint backpressure");
            } else if (d.compareTo(guidelines.minPauseMax()) > 0) {
                findings.warning(path, shown(value) + " is above " + seconds(guidelines.minPauseMax())
                        + ": it stretches the time between checkpoints; the spec wants " + wanted);
            }
        });
    }

    void retention(DocumentFindings findings, YamlPath path, String value) {
        String mode = value.strip().toUpperCase(Locale.ROOT);
        switch (mode) {
            case RETAIN -> { }
            case "DELETE_ON_CANCELLATION" -> findings.error(path, value.strip()
                    + " deletes the last checkpoint when the job is cancelled; the spec wants " + RETAIN + " for safe rollback");
            case "NO_EXTERNALIZED_CHECKPOINTS" -> findings.error(path, value.strip()
                    + " keeps no checkpoint once the job stops; the spec wants " + RETAIN + " for safe rollback");
            default -> findings.error(path, quoted(value) + " is not a retention mode; the spec wants " + RETAIN);
        }
    }

    /** Checks that {@code value} is a directory on durable storage; {@code what} names what is kept there. */
    void storage(DocumentFindings findings, YamlPath path, String value, String what) {
        String dir = value.strip();
        URI uri;
        try {
            uri = new URI(dir);
        } catch (URISyntaxException e) {
            findings.error(path, quoted(dir) + " is not a valid URI (" + e.getReason() + "); " + SPEC_STORAGE);
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.isEmpty()) {
            findings.error(path, dir + " is a local path: " + what + " there are lost with the pod; " + SPEC_STORAGE);
        } else if (scheme.equals("file")) {
            findings.error(path, dir + " is on the pod's (or node's) local disk: " + what + " there are lost with it; " + SPEC_STORAGE);
        } else if (BUCKET_SCHEMES.contains(scheme) && (uri.getAuthority() == null || uri.getAuthority().isBlank())) {
            findings.error(path, dir + " names no bucket; " + SPEC_STORAGE);
        } else if (OTHER_DURABLE_SCHEMES.contains(scheme)) {
            findings.warning(path, scheme + ":// is durable, but not the S3 or HDFS the spec names for " + what);
        } else if (!SPEC_SCHEMES.contains(scheme)) {
            findings.warning(path, "unknown file system " + quoted(scheme + "://") + " for " + what + "; " + SPEC_STORAGE);
        }
    }

    /** The value as a duration, or empty after reporting that it is not one. */
    private static Optional<Duration> duration(DocumentFindings findings, YamlPath path, String value, String wanted) {
        try {
            return Optional.of(TimeUtils.parseDuration(value.strip()));
        } catch (RuntimeException e) {
            findings.error(path, quoted(value) + " is not a duration (such as 60s, 2 min, or milliseconds); the spec wants " + wanted);
            return Optional.empty();
        }
    }

    /** A duration as written, with the unit Flink assumes when it has none. */
    private static String shown(String value) {
        String v = value.strip();
        return v.chars().allMatch(Character::isDigit) && !v.equals("0") ? v + " ms" : v;
    }

    private static String range(Duration min, Duration max) {
        boolean wholeSeconds = min.toMillis() % 1000 == 0 && max.toMillis() % 1000 == 0;
        return wholeSeconds ? min.toSeconds() + "–" + seconds(max) : seconds(min) + "–" + seconds(max);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    static String quoted(String value) {
        return "\"" + value + "\"";
    }
}
