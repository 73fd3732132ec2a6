package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Where the writer subtasks of a JDBC sink meet at a change that concerns the whole table (a
 * truncate, the end of a snapshot chunk): each reports its arrival, once everything it received
 * before is committed, in {@code _tidemark_truncate_arrivals}, under the table's truncation mark row
 * lock; the last of one epoch to arrive applies the change. Arrivals of older epochs do not count,
 * because their writers' later changes died with them.
 */
final class SubtaskArrivals {

    private final SinkDialect dialect;
    private final String pipeline;
    private final String sink;

    SubtaskArrivals(SinkDialect dialect, String pipeline, String sink) {
        this.dialect = dialect;
        this.pipeline = pipeline;
        this.sink = sink;
    }

    /** Locks {@code table}'s truncation mark for the caller's transaction and returns it. */
    long lockMark(Connection c, String table) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement(dialect.lockTruncationMark())) {
            lock.setString(1, table);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("sink " + sink + ": table " + table + " has no truncation mark; the job's"
                            + " start-up prepares one for every routed table", "TM002");
                }
                return rs.getLong(1);
            }
        }
    }

    /**
     * Records that {@code subtask} of the attempt with {@code epoch} reached the change {@code key}
     * at {@code position}, and returns whether all {@code copies} subtasks of that epoch have.
     */
    boolean arriveLast(Connection c, String key, long position, long epoch, int subtask, int copies)
            throws SQLException {
        try (PreparedStatement arrival = c.prepareStatement(dialect.insertTruncateArrival())) {
            bind(arrival, key, position);
            arrival.setLong(5, epoch);
            arrival.setInt(6, subtask);
            arrival.executeUpdate();
        }
        try (PreparedStatement count = c.prepareStatement(dialect.countTruncateArrivals())) {
            bind(count, key, position);
            count.setLong(5, epoch);
            count.setInt(6, copies);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1) >= copies;
            }
        }
    }

    /** Forgets the arrivals at {@code key} up to {@code position}, once the change is applied. */
    void forget(Connection c, String key, long position) throws SQLException {
        try (PreparedStatement forget = c.prepareStatement(dialect.deleteTruncateArrivals())) {
            bind(forget, key, position);
            forget.executeUpdate();
        }
    }

    /** The first four parameters every arrivals statement takes: pipeline, sink, key, position. */
    private void bind(PreparedStatement ps, String key, long position) throws SQLException {
        ps.setString(1, pipeline);
        ps.setString(2, sink);
        ps.setString(3, key);
        ps.setLong(4, position);
    }
}
