package io.tidemark.bench;

import io.tidemark.bench.workload.ChangeMix;

import java.time.Duration;
import java.util.Set;

/**
 * The typed settings of one bench run, checked once when the command line is read.
 *
 * @param changes changes written to the source for each streaming phase (N)
 * @param snapshotRows rows in the source before the job starts (what the snapshot copies)
 * @param transactionSize changes per source transaction
 * @param writeBatchSize rows per batch in the plain batched-upsert phase
 * @param warmupChanges changes of the discarded warm-up run of each job (0: none)
 */
public record BenchSettings(
        int changes,
        int snapshotRows,
        int transactionSize,
        ChangeMix mix,
        int parallelism,
        Duration checkpointInterval,
        int repeat,
        long seed,
        int writeBatchSize,
        int warmupChanges,
        Duration phaseTimeout,
        Set<PhaseKind> phases) {

    /** The measured phases, in the order they run. */
    public enum PhaseKind {
        DECODING("decoding"),
        BATCHED_WRITE("batched-write"),
        TIDEMARK("tidemark"),
        /** Tidemark with its sink in {@code apply-order: source}: what keeping cross-row constraints costs. */
        TIDEMARK_SOURCE_ORDER("tidemark-source-order"),
        PLAIN_SQL("plain-sql");

        private final String key;

        PhaseKind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static PhaseKind of(String key) {
            for (PhaseKind kind : values()) {
                if (kind.key.equals(key.trim())) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown phase '" + key.trim()
                    + "'; use decoding, batched-write, tidemark, tidemark-source-order or plain-sql");
        }
    }

    public BenchSettings {
        positive("--changes", changes);
        if (snapshotRows < 0) {
            throw new IllegalArgumentException("--snapshot-rows cannot be negative");
        }
        positive("--transaction-size", transactionSize);
        positive("--parallelism", parallelism);
        positive("--repeat", repeat);
        positive("--write-batch-size", writeBatchSize);
        if (warmupChanges < 0) {
            throw new IllegalArgumentException("--warmup-changes cannot be negative");
        }
        if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw new IllegalArgumentException("--checkpoint-interval must be positive");
        }
        phases = Set.copyOf(phases);
        if (phases.isEmpty()) {
            throw new IllegalArgumentException("--phases needs at least one phase");
        }
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
    }
}
