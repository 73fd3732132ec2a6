package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;

/**
 * Applies a {@link io.tidemark.pipeline.event.ChangeOperation#SWEEP} to a JDBC sink: deletes the
 * rows of the snapshot chunk's key range written before the chunk's high watermark. After a
 * restore during the initial snapshot, Flink CDC reads again the chunks the restored checkpoint does
 * not count as done; rows their first read wrote and the source deleted since would otherwise stay.
 * Rows of the new read carry the high watermark itself, later changes more, so neither is touched;
 * a row whose new version another subtask has yet to write is missing until it does, as rows not
 * read yet are during a snapshot.
 */
final class ChunkSweeper {

    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;

    ChunkSweeper(SinkDialect dialect, Map<TableId, TableId> sinkTables) {
        this.dialect = dialect;
        this.sinkTables = sinkTables;
    }

    /** Deletes what the sweep removes, inside the caller's transaction; returns how many rows went. */
    int sweep(Connection c, ChangeEvent sweep) throws SQLException {
        TableId table = sinkTables.get(sweep.table());
        if (table == null) {
            return 0; // not routed to this sink
        }
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
}
