package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Fences writers of older job attempts out of a JDBC sink, so that no write of an old attempt can
 * commit after a new attempt has read its recovery horizon.
 *
 * <p>One row per pipeline and sink ({@code _tidemark_fence}) holds an epoch and the attempt that
 * owns it ({@code <job id>:<attempt number>}). A writer of another attempt takes the row over when
 * it starts: it raises the epoch under a row lock, and only then reads the horizon. Writers of the
 * owning attempt join its epoch. Every sink transaction re-reads the epoch with a shared lock just
 * before it commits and rolls back if it changed: a bump therefore either waits for a transaction
 * that already passed its check (whose commit the new horizon then includes) or makes it fail.
 * A flusher that {@code close()} abandoned, or the writer of a TaskManager that lost its
 * JobManager, can then no longer resurrect a row behind the new attempt's back.
 */
final class WriterFence {

    private static final Logger LOG = LoggerFactory.getLogger(WriterFence.class);

    /** The SQLSTATE of {@link WriterFencedException}: neither transient nor a rejection of a change. */
    static final String FENCED_STATE = "TM001";

    private final SinkDialect dialect;
    private final String pipeline;
    private final String sink;

    WriterFence(SinkDialect dialect, String pipeline, String sink) {
        this.dialect = dialect;
        this.pipeline = pipeline;
        this.sink = sink;
    }

    /**
     * Joins the epoch of {@code attempt} or, if another attempt owns the sink, takes it over with a
     * new epoch; in its own transaction, committed before it returns.
     */
    long acquire(Connection c, String attempt) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(dialect.insertFence())) {
            insert.setString(1, pipeline);
            insert.setString(2, sink);
            insert.setString(3, attempt);
            insert.executeUpdate();
        }
        long epoch;
        String owner;
        try (PreparedStatement lock = c.prepareStatement(dialect.lockFence())) {
            lock.setString(1, pipeline);
            lock.setString(2, sink);
            try (ResultSet rs = lock.executeQuery()) {
                rs.next();
                epoch = rs.getLong(1);
                owner = rs.getString(2);
            }
        }
        if (!attempt.equals(owner)) {
            epoch++;
            try (PreparedStatement bump = c.prepareStatement(dialect.bumpFence())) {
                bump.setLong(1, epoch);
                bump.setString(2, attempt);
                bump.setString(3, pipeline);
                bump.setString(4, sink);
                bump.executeUpdate();
            }
            LOG.info("Sink {} of pipeline {}: attempt {} took over from {} with epoch {}", sink, pipeline, attempt,
                    owner, epoch);
        }
        c.commit();
        return epoch;
    }

    /**
     * Inside a sink transaction, just before its commit: holds a shared lock on the fence row until
     * the commit and throws {@link WriterFencedException} if a newer attempt has taken over.
     */
    void check(Connection c, long epoch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.checkFence())) {
            ps.setString(1, pipeline);
            ps.setString(2, sink);
            try (ResultSet rs = ps.executeQuery()) {
                long current = rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
                if (current != epoch) {
                    throw new WriterFencedException("sink " + sink + ": a newer attempt of pipeline " + pipeline
                            + " has taken over the sink (epoch " + current + ", this writer's " + epoch
                            + "); this writer's transaction was rolled back");
                }
            }
        }
    }

    /** Thrown when a newer attempt owns the sink: never retried, never sent to the dead-letter queue. */
    static final class WriterFencedException extends SQLException {
        private static final long serialVersionUID = 1L;

        WriterFencedException(String message) {
            super(message, FENCED_STATE);
        }
    }
}
