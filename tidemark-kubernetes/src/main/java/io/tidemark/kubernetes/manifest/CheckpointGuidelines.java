package io.tidemark.kubernetes.manifest;

import java.time.Duration;
import java.util.Objects;

/**
 * The ranges the checkpoint and savepoint strategy (section 2, "Practical Guidelines") allows, which
 * {@link ManifestChecker} holds manifests to. Below {@link #minPauseMin()} a pause is an error (it no
 * longer keeps checkpoints from running back to back); above {@link #minPauseMax()} only a warning (it
 * stretches the time between checkpoints, but prevents backpressure all the same).
 */
public record CheckpointGuidelines(
        Duration intervalMin,
        Duration intervalMax,
        Duration timeoutMin,
        Duration timeoutMax,
        Duration minPauseMin,
        Duration minPauseMax) {

    /** The spec's values: interval 30–60 s, timeout 60–120 s, min pause ~30 s (20–40 s accepted). */
    public static final CheckpointGuidelines SPEC = new CheckpointGuidelines(
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60),
            Duration.ofSeconds(120),
            Duration.ofSeconds(20),
            Duration.ofSeconds(40));

    public CheckpointGuidelines {
        Objects.requireNonNull(intervalMin, "intervalMin cannot be null");
        Objects.requireNonNull(intervalMax, "intervalMax cannot be null");
        Objects.requireNonNull(timeoutMin, "timeoutMin cannot be null");
        Objects.requireNonNull(timeoutMax, "timeoutMax cannot be null");
        Objects.requireNonNull(minPauseMin, "minPauseMin cannot be null");
        Objects.requireNonNull(minPauseMax, "minPauseMax cannot be null");
        if (intervalMin.compareTo(intervalMax) > 0 || timeoutMin.compareTo(timeoutMax) > 0
                || minPauseMin.compareTo(minPauseMax) > 0) {
            throw new IllegalArgumentException("each range's minimum must not exceed its maximum");
        }
    }
}
