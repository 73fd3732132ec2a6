package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Applies a {@link io.tidemark.pipeline.event.ChangeOperation#SWEEP} to a JDBC sink: deletes the
 * rows of the snapshot chunk's key range written before the chunk's high watermark. After a
 * restore during the initial snapshot, Flink CDC reads again the chunks the restored checkpoint does
 * not count as done; rows their first read wrote and the source deleted since would otherwise stay.
 *
 * <p>Rows of the new read carry the high watermark itself, later changes more, so neither is
 * touched, but the old version of a row whose new version a subtask has not written yet would be.
 * So a sweep works like a truncate ({@link TableTruncations}): every writer subtask receives a copy
 * after its share of the chunk's rows, commits them, then reports its arrival (in the truncate
 * arrivals table, under the table's truncation mark row lock, keyed by the chunk); the last to
 * arrive deletes. Arrivals of older epochs do not count.
 */
final class ChunkSweeper {

    /** What an arrival at a sweep did. */
    enum Outcome {
        /** This subtask was the last to arrive and deleted what the sweep removes. */
        APPLIED,
        /** Other subtasks have yet to arrive. */
        WAITING
    }

    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;
    private final String pipeline;
    private final String sink;

    ChunkSweeper(SinkDialect dialect, Map<TableId, TableId> sinkTables, String pipeline, String sink) {
        this.dialect = dialect;
        this.sinkTables = sinkTables;
        this.pipeline = pipeline;
        this.sink = sink;
    }

    /**
     * Reports that subtask {@code subtask} of the attempt with {@code epoch} reached {@code sweep}
     * with all its earlier changes committed, and sweeps if it is the last to; inside the caller's
     * transaction. Returns how many rows went (0 while waiting) and the outcome.
     */
    Arrival arrive(Connection c, ChangeEvent sweep, int subtask, long epoch) throws SQLException {
        TableId table = sinkTables.get(sweep.table());
        if (table == null) {
            return new Arrival(Outcome.APPLIED, 0); // not routed to this sink
        }
        try (PreparedStatement lock = c.prepareStatement(dialect.lockTruncationMark())) {
            lock.setString(1, table.toString());
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("sink " + sink + ": table " + table + " has no truncation mark; the job's"
                            + " start-up prepares one for every routed table", "TM002");
                }
            }
        }
        String chunk = chunkKey(table, sweep);
        long position = sweep.position().value();
        try (PreparedStatement arrival = c.prepareStatement(dialect.insertTruncateArrival())) {
            arrival.setString(1, pipeline);
            arrival.setString(2, sink);
            arrival.setString(3, chunk);
            arrival.setLong(4, position);
            arrival.setLong(5, epoch);
            arrival.setInt(6, subtask);
            arrival.executeUpdate();
        }
        long arrived;
        try (PreparedStatement count = c.prepareStatement(dialect.countTruncateArrivals())) {
            count.setString(1, pipeline);
            count.setString(2, sink);
            count.setString(3, chunk);
            count.setLong(4, position);
            count.setLong(5, epoch);
            count.setInt(6, sweep.sweepCopies());
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                arrived = rs.getLong(1);
            }
        }
        if (arrived < sweep.sweepCopies()) {
            return new Arrival(Outcome.WAITING, 0);
        }
        int swept = delete(c, table, sweep);
        try (PreparedStatement forget = c.prepareStatement(dialect.deleteTruncateArrivals())) {
            forget.setString(1, pipeline);
            forget.setString(2, sink);
            forget.setString(3, chunk);
            forget.setLong(4, position);
            forget.executeUpdate();
        }
        return new Arrival(Outcome.APPLIED, swept);
    }

    /** What {@link #arrive} did, and how many rows it deleted. */
    record Arrival(Outcome outcome, int rowsSwept) {}

    private int delete(Connection c, TableId table, ChangeEvent sweep) throws SQLException {
        Object from = sweep.sweepFrom();
        Object to = sweep.sweepTo();
        try (PreparedStatement ps = c.prepareStatement(
                dialect.deleteChunkRowsBefore(table, sweep.sweepColumn(), from != null, to != null))) {
            int i = 1;
            if (from != null) {
                ps.setObject(i++, from);
            }
            if (to != null) {
                ps.setObject(i++, to);
            }
            ps.setLong(i, sweep.position().value());
            return ps.executeUpdate();
        }
    }

    /**
     * The arrivals' key of one chunk: its table and lower bound (chunks of one table may share a high
     * watermark), hashed where it would not fit the table name column.
     */
    static String chunkKey(TableId table, ChangeEvent sweep) {
        String key = table + " chunk from " + sweep.sweepFrom();
        if (key.length() <= 200) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "chunk " + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
