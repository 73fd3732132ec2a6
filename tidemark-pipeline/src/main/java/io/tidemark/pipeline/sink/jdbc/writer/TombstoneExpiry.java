package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes tombstones older than the sink's retention, on a thread and connection of its own, in
 * short transactions of at most {@value #ROWS_PER_TRANSACTION} rows found through the index on
 * {@code deleted_at}: however many tombstones have piled up, expiry never holds up a flusher's
 * partition or a checkpoint, and never locks the table for long.
 */
final class TombstoneExpiry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TombstoneExpiry.class);

    static final int ROWS_PER_TRANSACTION = 10_000;

    private final JdbcConnectionFactory connections;
    private final SinkDialect dialect;
    private final long retentionSeconds;
    private final ScheduledExecutorService executor;
    private volatile boolean closed;

    TombstoneExpiry(JdbcConnectionFactory connections, SinkDialect dialect, Duration retention, String threadName) {
        this.connections = connections;
        this.dialect = dialect;
        this.retentionSeconds = retention.toSeconds();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@link #expire()} every {@code period}, the first time after one period. */
    void start(Duration period) {
        executor.scheduleWithFixedDelay(() -> {
            try {
                expire();
            } catch (SQLException | RuntimeException e) {
                LOG.warn("Tombstone expiry failed (tried again in {} s): {}", period.toSeconds(), e.getMessage());
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Removes every expired tombstone, a bounded number per transaction; returns how many. */
    long expire() throws SQLException {
        long expired = 0;
        try (Connection c = connections.open(dialect);
                PreparedStatement delete = c.prepareStatement(dialect.expireTombstones())) {
            c.setAutoCommit(false);
            int removed;
            do {
                delete.setLong(1, retentionSeconds);
                delete.setInt(2, ROWS_PER_TRANSACTION);
                removed = delete.executeUpdate();
                c.commit();
                expired += removed;
            } while (removed == ROWS_PER_TRANSACTION && !closed);
        }
        if (expired > 0) {
            LOG.info("Expired {} tombstones older than {} s", expired, retentionSeconds);
        }
        return expired;
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }
}
