package io.tidemark.bench;

import io.tidemark.bench.workload.ChangeMix;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The typed settings of one bench run, checked once when the command line is read.
 *
 * @param changes changes written to the source for each streaming phase (N)
 * @param snapshotRows rows in the source before the job starts (what the snapshot copies)
 * @param snapshotChunkSize rows per snapshot chunk of both jobs' PostgreSQL and MariaDB sources
 * @param transactionSize changes per source transaction
 * @param writeBatchSize rows per batch in the plain batched-upsert phase
 * @param warmupChanges changes of the discarded warm-up run of each job (0: none)
 */
public record BenchSettings(
        int changes,
        int snapshotRows,
        int snapshotChunkSize,
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
        /**
         * The Redis sink's anchor: the {@code tidemark-redis} phase's changes sent by one client as
         * pipelined {@code EVALSHA} calls of the sink's own guard script, with no job.
         */
        REDIS_EVALSHA("redis-evalsha"),
        TIDEMARK("tidemark"),
        /** Tidemark with its sink in {@code apply-order: source}: what keeping cross-row constraints costs. */
        TIDEMARK_SOURCE_ORDER("tidemark-source-order"),
        /**
         * Tidemark checkpointing every second, whatever {@code --checkpoint-interval} says: beside
         * {@code tidemark} run with a long interval (checkpointing off in effect), what frequent
         * checkpoints cost.
         */
        TIDEMARK_CHECKPOINTS_1S("tidemark-checkpoints-1s"),
        PLAIN_SQL("plain-sql"),
        /** Tidemark into Redis with {@code durability: none}: the base of the durability ratios. */
        TIDEMARK_REDIS("tidemark-redis"),
        /** Tidemark into Redis with {@code durability: replicas 1}: each batch waits for the replica. */
        TIDEMARK_REDIS_REPLICAS("tidemark-redis-replicas"),
        /** Tidemark into Redis with {@code durability: aof}: the master fsyncs every write. */
        TIDEMARK_REDIS_AOF("tidemark-redis-aof"),
        /** Tidemark from the bench's MariaDB (binlog) into PostgreSQL, timed as {@code tidemark}. */
        TIDEMARK_MARIADB("tidemark-mariadb"),
        /** The plain Flink SQL job with {@code mysql-cdc} from the same MariaDB: the anchor of {@code tidemark-mariadb}. */
        PLAIN_SQL_MARIADB("plain-sql-mariadb"),
        /** Tidemark's initial snapshot of {@code --snapshot-rows} rows, timed from the job's start. */
        TIDEMARK_SNAPSHOT("tidemark-snapshot"),
        /** The plain Flink SQL job's initial snapshot of the same rows: the anchor of {@code tidemark-snapshot}. */
        PLAIN_SQL_SNAPSHOT("plain-sql-snapshot");

        private final String key;

        PhaseKind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** Whether the phase times a job (warmed up first, order alternating), not a ceiling or an anchor. */
        public boolean isJob() {
            return this != DECODING && this != BATCHED_WRITE && this != REDIS_EVALSHA;
        }

        /**
         * Whether a discarded run comes first: every job, and the Redis anchor, whose client code runs
         * in the bench JVM; the two ceilings are database work.
         */
        public boolean warmsUp() {
            return isJob() || this == REDIS_EVALSHA;
        }

        /** Whether the phase's source is the bench's MariaDB. */
        public boolean usesMariaDb() {
            return this == TIDEMARK_MARIADB || this == PLAIN_SQL_MARIADB;
        }

        /** Whether the phase times an initial snapshot (rows/s) instead of streamed changes. */
        public boolean isSnapshot() {
            return this == TIDEMARK_SNAPSHOT || this == PLAIN_SQL_SNAPSHOT;
        }

        /** Whether the phase's sink is the bench's Redis. */
        public boolean usesRedis() {
            return this == TIDEMARK_REDIS || this == TIDEMARK_REDIS_REPLICAS || this == TIDEMARK_REDIS_AOF
                    || this == REDIS_EVALSHA;
        }

        public static PhaseKind of(String key) {
            for (PhaseKind kind : values()) {
                if (kind.key.equals(key.trim())) {
                    return kind;
                }
            }
            List<String> keys = Arrays.stream(values()).map(PhaseKind::key).toList();
            throw new IllegalArgumentException("unknown phase '" + key.trim() + "'; use "
                    + String.join(", ", keys.subList(0, keys.size() - 1)) + " or " + keys.get(keys.size() - 1));
        }
    }

    public BenchSettings {
        positive("--changes", changes);
        if (snapshotRows < 0) {
            throw new IllegalArgumentException("--snapshot-rows cannot be negative");
        }
        positive("--snapshot-chunk-size", snapshotChunkSize);
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
