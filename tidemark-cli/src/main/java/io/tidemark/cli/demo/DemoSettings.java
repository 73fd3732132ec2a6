package io.tidemark.cli.demo;

import java.time.Duration;

/**
 * How big and how long the demo is. {@link #full()} is what {@code tidemark demo} runs;
 * {@link #quick()} takes the same steps with less data and shorter phases (for the test).
 */
public record DemoSettings(
        int customers,
        int orders,
        int changesPerSecond,
        Duration streamBeforeSavepoint,
        Duration whileDown,
        Duration streamAfterRestore,
        Duration checkpointInterval,
        Duration snapshotDeadline,
        Duration catchUpDeadline) {

    public static DemoSettings full() {
        return new DemoSettings(
                500, 5_000, 200,
                Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(2), Duration.ofMinutes(2), Duration.ofSeconds(90));
    }

    public static DemoSettings quick() {
        return new DemoSettings(
                100, 1_000, 150,
                Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(6),
                Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(60));
    }
}
