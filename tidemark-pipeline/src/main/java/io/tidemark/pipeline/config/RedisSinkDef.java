package io.tidemark.pipeline.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A Redis sink ({@code type: redis}) writing each row to one key, guarded by the row's source
 * position (see {@code docs/redis-sink.md}).
 *
 * <p>The {@link #uri()} is guaranteed to hold no credentials, so it may be logged; with
 * {@link RedisSinkMode#CLUSTER} it may list several seed nodes ({@code redis://h1:p1,h2:p2}).
 * {@link #password()} and {@link #ttl()} are optional and null when absent.
 *
 * @param durability what a batch waits for before it counts as written
 * @param durabilityTimeout how long one attempt waits for it
 */
public record RedisSinkDef(
        String name,
        RedisSinkMode mode,
        String uri,
        Secret password,
        String keyPrefix,
        RedisValueFormat format,
        Duration ttl,
        Duration tombstoneRetention,
        int batchSize,
        Duration flushInterval,
        int maxRetries,
        RedisDurability durability,
        Duration durabilityTimeout)
        implements SinkDef {

    public RedisSinkDef {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(mode, "mode cannot be null");
        Objects.requireNonNull(uri, "uri cannot be null");
        Objects.requireNonNull(keyPrefix, "keyPrefix cannot be null");
        Objects.requireNonNull(format, "format cannot be null");
        Objects.requireNonNull(tombstoneRetention, "tombstoneRetention cannot be null");
        Objects.requireNonNull(flushInterval, "flushInterval cannot be null");
        Objects.requireNonNull(durability, "durability cannot be null");
        Objects.requireNonNull(durabilityTimeout, "durabilityTimeout cannot be null");
    }

    /** A sink that waits for nothing but the master's acknowledgement ({@code durability: none}). */
    public RedisSinkDef(
            String name,
            RedisSinkMode mode,
            String uri,
            Secret password,
            String keyPrefix,
            RedisValueFormat format,
            Duration ttl,
            Duration tombstoneRetention,
            int batchSize,
            Duration flushInterval,
            int maxRetries) {
        this(name, mode, uri, password, keyPrefix, format, ttl, tombstoneRetention, batchSize, flushInterval,
                maxRetries, RedisDurability.none(), RedisSinkOptions.DURABILITY_TIMEOUT.defaultValue());
    }

    /** A sink writing to one standalone server, with {@code durability: none}. */
    public RedisSinkDef(
            String name,
            String uri,
            Secret password,
            String keyPrefix,
            RedisValueFormat format,
            Duration ttl,
            Duration tombstoneRetention,
            int batchSize,
            Duration flushInterval,
            int maxRetries) {
        this(name, RedisSinkMode.STANDALONE, uri, password, keyPrefix, format, ttl, tombstoneRetention, batchSize,
                flushInterval, maxRetries);
    }
}
