package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.RowValues;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.metrics.BatchOutcome;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a batch's changes into the open transaction of one connection: position-guarded upserts
 * and deletes through a {@link SinkTableWriter} per table and row layout, tombstones for deletes,
 * and the tombstone check for changes that may be replays. {@link BatchApplier} around it owns the
 * transaction, its retries, the fence and the progress record.
 */
final class BatchStatements implements AutoCloseable {

    private final Connection c;
    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;
    private final TombstoneStore tombstones;
    private final PreparedStatement tombstoneUpsert;
    private final Map<TableId, SinkTableWriter> tableWriters = new HashMap<>();
    /** What the last {@link #write} did, for the sink's metrics once its transaction commits. */
    private final BatchOutcome outcome = new BatchOutcome();

    BatchStatements(Connection c, SinkDialect dialect, Map<TableId, TableId> sinkTables) throws SQLException {
        this.c = c;
        this.dialect = dialect;
        this.sinkTables = sinkTables;
        this.tombstones = new TombstoneStore(dialect);
        this.tombstoneUpsert = c.prepareStatement(dialect.upsertTombstone());
    }

    /** Writes {@code batch}; upserts at or below {@code recoveryHorizon} are checked against tombstones first. */
    void write(ChangeBatch batch, long recoveryHorizon) throws SQLException {
        outcome.clear();
        if (batch.isOrdered()) {
            applyInOrder(batch.changes(), recoveryHorizon);
        } else {
            applyCompacted(batch, recoveryHorizon);
        }
    }

    /** What the last {@link #write} wrote, skipped and checked, per source table. */
    BatchOutcome outcome() {
        return outcome;
    }

    /**
     * The newest position the sink holds for a change's row: the row's, its tombstone's or its
     * table's truncation mark, whichever is highest; {@code Long.MIN_VALUE} if none.
     */
    long heldPosition(ChangeEvent change) throws SQLException {
        TableId sinkTable = sinkTables.get(change.table());
        return Math.max(
                Math.max(tableWriter(sinkTable, change).heldPosition(change),
                        tombstones.positionOf(c, sinkTable, RowValues.keyString(change.keyValues()))),
                TableTruncations.markOf(c, dialect, sinkTable));
    }

    /** Per table, the deletes, then the upserts: order across rows does not matter here. */
    private void applyCompacted(ChangeBatch batch, long recoveryHorizon) throws SQLException {
        for (Map.Entry<TableId, LinkedHashMap<RowKey, ChangeEvent>> entry : batch.byTable().entrySet()) {
            TableId sinkTable = sinkTables.get(entry.getKey());
            if (sinkTable == null) {
                continue; // not routed to this sink
            }
            List<ChangeEvent> upserts = new ArrayList<>();
            List<ChangeEvent> deletes = new ArrayList<>();
            for (ChangeEvent event : entry.getValue().values()) {
                (event.operation().isUpsert() ? upserts : deletes).add(event);
            }
            applyDeletes(sinkTable, deletes);
            applyUpserts(sinkTable, upserts, recoveryHorizon);
        }
    }

    /**
     * Every change in source order: consecutive changes of one table, kind and row layout go in one
     * statement batch, cut where a key comes again, so each statement sees what the ones before it
     * did. Deferrable constraints are checked at the commit, as in the source's transaction.
     */
    private void applyInOrder(List<ChangeEvent> changes, long recoveryHorizon) throws SQLException {
        if (dialect.deferConstraints() != null) {
            try (Statement defer = c.createStatement()) {
                defer.execute(dialect.deferConstraints());
            }
        }
        int from = 0;
        while (from < changes.size()) {
            ChangeEvent first = changes.get(from);
            Set<RowKey> keys = new HashSet<>();
            int to = from;
            while (to < changes.size()) {
                ChangeEvent next = changes.get(to);
                if (!next.table().equals(first.table())
                        || next.operation().isUpsert() != first.operation().isUpsert()
                        || !Arrays.equals(next.columns(), first.columns())
                        || !keys.add(new RowKey(next.keyValues()))) {
                    break;
                }
                to++;
            }
            TableId sinkTable = sinkTables.get(first.table());
            if (sinkTable != null) {
                List<ChangeEvent> run = changes.subList(from, to);
                if (first.operation().isUpsert()) {
                    applyUpserts(sinkTable, run, recoveryHorizon);
                } else {
                    applyDeletes(sinkTable, run);
                }
            }
            from = to;
        }
    }

    private void applyDeletes(TableId sinkTable, List<ChangeEvent> deletes) throws SQLException {
        if (deletes.isEmpty()) {
            return;
        }
        SinkTableWriter writer = tableWriter(sinkTable, deletes.get(0));
        for (ChangeEvent delete : deletes) {
            if (!writer.fits(delete)) {
                // another row layout (a column added mid-stream): send this layout's deletes first,
                // since opening the next writer closes this one and would drop them
                writer.executeDeletes();
                writer = tableWriter(sinkTable, delete);
            }
            writer.addDelete(delete);
            TombstoneStore.add(tombstoneUpsert, sinkTable, delete);
            outcome.applied(delete);
        }
        writer.executeDeletes();
        tombstoneUpsert.executeBatch();
    }

    /** Upserts in the given order; those at or below the recovery horizon (possible replays) are checked against tombstones. */
    private void applyUpserts(TableId sinkTable, List<ChangeEvent> upserts, long recoveryHorizon) throws SQLException {
        List<ChangeEvent> possibleReplays = new ArrayList<>();
        for (ChangeEvent upsert : upserts) {
            if (upsert.position().value() <= recoveryHorizon) {
                possibleReplays.add(upsert);
            }
        }
        List<ChangeEvent> toApply = upserts;
        if (!possibleReplays.isEmpty()) {
            outcome.tombstoneChecks(possibleReplays.get(0).table(), possibleReplays.size());
            Set<ChangeEvent> superseded = Collections.newSetFromMap(new IdentityHashMap<>());
            superseded.addAll(possibleReplays);
            for (ChangeEvent kept : tombstones.withoutTombstoned(c, sinkTable, possibleReplays)) {
                superseded.remove(kept); // one by one: removeAll would ask the list, O(n) a time
            }
            if (!superseded.isEmpty()) {
                superseded.forEach(outcome::skipped);
                toApply = new ArrayList<>(upserts.size());
                for (ChangeEvent upsert : upserts) {
                    if (!superseded.contains(upsert)) {
                        toApply.add(upsert);
                    }
                }
            }
        }
        if (toApply.isEmpty()) {
            return;
        }
        SinkTableWriter writer = tableWriter(sinkTable, toApply.get(0));
        for (ChangeEvent upsert : toApply) {
            if (!writer.fits(upsert)) {
                writer.executeUpserts();
                writer = tableWriter(sinkTable, upsert);
            }
            writer.addUpsert(upsert);
            outcome.applied(upsert);
        }
        writer.executeUpserts();
    }

    private SinkTableWriter tableWriter(TableId sinkTable, ChangeEvent sample) throws SQLException {
        SinkTableWriter writer = tableWriters.get(sample.table());
        if (writer == null || !writer.fits(sample)) {
            if (writer != null) {
                writer.close();
            }
            writer = SinkTableWriter.open(c, dialect, sinkTable, sample);
            tableWriters.put(sample.table(), writer);
        }
        return writer;
    }

    @Override
    public void close() {
        tableWriters.values().forEach(SinkTableWriter::close);
        tableWriters.clear();
        try {
            tombstoneUpsert.close();
        } catch (SQLException ignored) {
            // closing with its connection
        }
    }
}
