package io.tidemark.pipeline.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A JDBC sink ({@code type: jdbc}) writing to PostgreSQL, MySQL or MariaDB.
 *
 * <p>The {@link #url()} is guaranteed to hold no credentials, so it may be logged.
 */
public record JdbcSinkDef(
        String name,
        String url,
        String username,
        Secret password,
        int batchSize,
        Duration flushInterval,
        int flushThreads,
        Duration tombstoneRetention,
        int maxRetries,
        ApplyOrder applyOrder)
        implements SinkDef {

    public JdbcSinkDef {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(url, "url cannot be null");
        Objects.requireNonNull(username, "username cannot be null");
        Objects.requireNonNull(password, "password cannot be null");
        Objects.requireNonNull(flushInterval, "flushInterval cannot be null");
        Objects.requireNonNull(tombstoneRetention, "tombstoneRetention cannot be null");
        Objects.requireNonNull(applyOrder, "applyOrder cannot be null");
    }

    /** A sink in the default {@link ApplyOrder#KEYED} order. */
    public JdbcSinkDef(String name, String url, String username, Secret password, int batchSize,
            Duration flushInterval, int flushThreads, Duration tombstoneRetention, int maxRetries) {
        this(name, url, username, password, batchSize, flushInterval, flushThreads, tombstoneRetention, maxRetries,
                ApplyOrder.KEYED);
    }

    /** This sink with another apply order. */
    public JdbcSinkDef withApplyOrder(ApplyOrder order) {
        return new JdbcSinkDef(name, url, username, password, batchSize, flushInterval, flushThreads,
                tombstoneRetention, maxRetries, order);
    }
}
