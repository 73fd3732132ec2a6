package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * after its share of the chunk's rows, commits them, then reports its arrival ({@link
 * SubtaskArrivals}, keyed by the chunk); the last to arrive deletes.
 */
final class ChunkSweeper {

    /** What an arrival at a sweep did. */
    enum Outcome {
        /** This subtask was the last to arrive and deleted what the sweep removes. */
        APPLIED,
        /** Other subtasks have yet to arrive. */
        WAITING
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChunkSweeper.class);

    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;
    private final SubtaskArrivals arrivals;
    private final String sink;
    private final Counter rowsSwept;

    ChunkSweeper(SinkDialect dialect, Map<TableId, TableId> sinkTables, String pipeline, String sink, Counter rowsSwept) {
        this.dialect = dialect;
        this.sinkTables = sinkTables;
        this.arrivals = new SubtaskArrivals(dialect, pipeline, sink);
        this.sink = sink;
        this.rowsSwept = rowsSwept;
    }

    /**
     * Reports this subtask's arrival at {@code sweep} through {@code applier} (fenced and retried like
     * a batch; its flushers must be idle) and counts and logs what the last arrival deleted.
     */
    void apply(BatchApplier applier, ChangeEvent sweep, int subtask, long epoch) throws IOException {
        Arrival arrival;
        try {
            arrival = applier.inTransaction("sweep a snapshot chunk", c -> arrive(c, sweep, subtask, epoch));
        } catch (SQLException e) {
            throw new IOException("sink " + sink + ": cannot sweep the snapshot chunk of " + sweep.table() + ": "
                    + e.getMessage(), e);
        }
        if (arrival.rowsSwept() > 0) {
            rowsSwept.inc(arrival.rowsSwept());
            LOG.info("Sink {}: {} row(s) of {} written by an earlier read of its snapshot chunk ({}) are gone at the"
                    + " source; deleted", sink, arrival.rowsSwept(), sweep.table(), sweep);
        }
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
        String chunk = chunkKey(table, sweep);
        long position = sweep.position().value();
        arrivals.lockMark(c, table.toString());
        if (!arrivals.arriveLast(c, chunk, position, epoch, subtask, sweep.sweepCopies())) {
            return new Arrival(Outcome.WAITING, 0);
        }
        int swept = delete(c, table, sweep);
        arrivals.forget(c, chunk, position);
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
