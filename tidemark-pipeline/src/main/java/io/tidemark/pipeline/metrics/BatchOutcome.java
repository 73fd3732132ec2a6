package io.tidemark.pipeline.metrics;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.TableId;

import java.util.HashMap;
import java.util.Map;

/**
 * What one sink batch did, per source table: changes applied, changes the sink refused because it
 * already held the row (or its tombstone) at a newer position, and changes checked against
 * tombstones as possible replays. A sink fills one while it writes a batch and hands it to {@link
 * SinkMetrics} once the batch is committed, so a batch that is retried or rolled back counts once.
 */
public final class BatchOutcome {

    /** Counts of one table in one batch. */
    static final class TableCounts {
        long applied;
        long skipped;
        long tombstoneChecks;
        /** The newest source commit time among the stream changes applied; 0 if none. */
        long newestCommitMillis;
    }

    private final Map<TableId, TableCounts> tables = new HashMap<>();

    /** {@code change} was written (or found superseded by the position guard inside the database). */
    public void applied(ChangeEvent change) {
        TableCounts counts = of(change.table());
        counts.applied++;
        if (change.operation() != ChangeOperation.SNAPSHOT && change.commitTimeMillis() > counts.newestCommitMillis) {
            counts.newestCommitMillis = change.commitTimeMillis();
        }
    }

    /** {@code change} was not written: the sink held its row or tombstone at its position or newer. */
    public void skipped(ChangeEvent change) {
        of(change.table()).skipped++;
    }

    /** {@code count} changes of {@code table} at or below the recovery horizon were checked against tombstones. */
    public void tombstoneChecks(TableId table, int count) {
        of(table).tombstoneChecks += count;
    }

    /** Forgets everything: the sink starts the next batch, or an attempt of this one that failed. */
    public void clear() {
        tables.clear();
    }

    Map<TableId, TableCounts> tables() {
        return tables;
    }

    private TableCounts of(TableId table) {
        return tables.computeIfAbsent(table, t -> new TableCounts());
    }
}
