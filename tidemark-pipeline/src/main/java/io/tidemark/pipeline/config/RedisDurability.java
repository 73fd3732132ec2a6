package io.tidemark.pipeline.config;

import java.io.Serializable;

/**
 * What a Redis sink waits for before a batch counts as written ({@code durability}). Redis
 * acknowledges a write once it is in the master's memory; a checkpoint that covers such a write is
 * only as durable as that memory unless the sink waits for replicas or for the append-only file.
 * See {@code docs/redis-sink.md}.
 */
public sealed interface RedisDurability extends Serializable {

    /** Acknowledged by the master: a crash or failover can lose the last writes (Redis's own default). */
    record None() implements RedisDurability {
        @Override
        public String toString() {
            return "none";
        }
    }

    /** Acknowledged by at least {@code count} replicas of every master that took writes ({@code WAIT}). */
    record Replicas(int count) implements RedisDurability {
        public Replicas {
            if (count < 1) {
                throw new IllegalArgumentException("replicas must be at least 1, got " + count);
            }
        }

        @Override
        public String toString() {
            return "replicas " + count;
        }
    }

    /**
     * Fsynced to the master's append-only file: {@code WAITAOF 1 0} on Redis 7.2 or later; before
     * that, only a server running {@code appendfsync always} (which fsyncs before it replies) is
     * accepted.
     */
    record Aof() implements RedisDurability {
        @Override
        public String toString() {
            return "aof";
        }
    }

    /** The largest replica count accepted; more than any real deployment runs. */
    int MAX_REPLICAS = 100;

    static RedisDurability none() {
        return new None();
    }

    static RedisDurability aof() {
        return new Aof();
    }

    static RedisDurability replicas(int count) {
        return new Replicas(count);
    }
}
