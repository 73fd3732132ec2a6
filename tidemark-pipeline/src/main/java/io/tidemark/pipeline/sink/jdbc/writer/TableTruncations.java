package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Applies source truncates to a JDBC sink with the same guarantees as deletes: every row written
 * before the truncate's position goes, later changes apply, and a replayed change from before the
 * truncate never brings a row back.
 *
 * <p>Each sink table has a truncation mark ({@code _tidemark_truncations}): the position of its
 * last applied truncate. Changes at or below it are dropped, by the writer before they are batched
 * and by a dead-letter replay. Every writer subtask receives its own copy of a truncate after all of
 * its earlier changes; it commits those, then reports its arrival ({@link SubtaskArrivals}, per
 * epoch of the {@link WriterFence}). The last subtask to arrive deletes the rows older than the
 * truncate and sets the mark, in one transaction. Until then every subtask may still be writing changes from before the truncate;
 * after it, none can: each has arrived, and a restarted attempt reads the mark before it writes.
 * Arrivals of older epochs do not count, because their writers' later changes died with them.
 */
final class TableTruncations {

    /** What an arrival at a truncate did. */
    enum Outcome {
        /** This subtask was the last to arrive: the table is emptied up to the truncate. */
        APPLIED,
        /** Other subtasks have yet to arrive; the last of them will apply it. */
        WAITING,
        /** The mark is already at or past the truncate (a replay after a restore). */
        ALREADY_APPLIED
    }

    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;
    private final SubtaskArrivals arrivals;
    /** Source table to the highest truncate position this writer knows of. */
    private final Map<TableId, Long> marks = new HashMap<>();

    TableTruncations(SinkDialect dialect, Map<TableId, TableId> sinkTables, String pipeline, String sink) {
        this.dialect = dialect;
        this.sinkTables = sinkTables;
        this.arrivals = new SubtaskArrivals(dialect, pipeline, sink);
    }

    /** Reads the marks that truncates have set; called when the writer starts, before it writes. */
    void load(Connection c) throws SQLException {
        Map<String, Long> bySinkTable = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(dialect.selectTruncationMarks()); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                bySinkTable.put(rs.getString(1), rs.getLong(2));
            }
        }
        sinkTables.forEach((source, target) -> {
            Long mark = bySinkTable.get(target.toString());
            if (mark != null) {
                remember(source, mark);
            }
        });
    }

    /** Whether a change lies at or below its table's truncation mark, so the sink must not apply it. */
    boolean supersedes(ChangeEvent change) {
        if (marks.isEmpty()) {
            return false;
        }
        Long mark = marks.get(change.table());
        return mark != null && change.position().value() <= mark;
    }

    /**
     * Reports that subtask {@code subtask} of the attempt with {@code epoch} reached {@code truncate}
     * with all its earlier changes committed, and applies the truncate if it is the last to; inside
     * the caller's transaction. Call {@link #remember} once it committed.
     */
    Outcome arrive(Connection c, ChangeEvent truncate, int subtask, long epoch) throws SQLException {
        String table = sinkTables.get(truncate.table()).toString();
        long position = truncate.position().value();
        if (arrivals.lockMark(c, table) >= position) {
            return Outcome.ALREADY_APPLIED;
        }
        if (!arrivals.arriveLast(c, table, position, epoch, subtask, truncate.truncateCopies())) {
            return Outcome.WAITING;
        }
        try (PreparedStatement rows = c.prepareStatement(dialect.deleteRowsBefore(sinkTables.get(truncate.table())))) {
            rows.setLong(1, position);
            rows.executeUpdate();
        }
        try (PreparedStatement tombstones = c.prepareStatement(dialect.deleteTombstonesBefore())) {
            tombstones.setString(1, table);
            tombstones.setLong(2, position);
            tombstones.executeUpdate();
        }
        try (PreparedStatement set = c.prepareStatement(dialect.setTruncationMark())) {
            set.setLong(1, position);
            set.setString(2, table);
            set.executeUpdate();
        }
        arrivals.forget(c, table, position);
        return Outcome.APPLIED;
    }

    /** From now on, this writer drops changes of {@code sourceTable} at or below {@code position}. */
    void remember(TableId sourceTable, long position) {
        marks.merge(sourceTable, position, Math::max);
    }

    /** The truncation mark of a sink table, or {@code Long.MIN_VALUE}: what a replayed change must be newer than. */
    static long markOf(Connection c, SinkDialect dialect, TableId sinkTable) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pos FROM " + dialect.truncationTable() + " WHERE table_name = ?")) {
            ps.setString(1, sinkTable.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) >= 0 ? rs.getLong(1) : Long.MIN_VALUE;
            }
        }
    }
}
