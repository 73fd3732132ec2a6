package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.event.ChangeEvent;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The {@code park} policy on one {@link BatchApplier}'s batches: the later changes of a row with a
 * rejected change go to the dead-letter queue behind it, and parked changes that a replay left
 * behind (the row waits behind no rejection any more) are applied through the applier's guarded
 * path and marked replayed.
 */
final class ParkedRows {

    private final BatchApplier applier;
    private final RejectedChanges rejected;

    ParkedRows(BatchApplier applier, RejectedChanges rejected) {
        this.applier = applier;
        this.rejected = rejected;
    }

    /** The batch without the changes of parked rows, which go to the queue behind their row's rejection. */
    ChangeBatch withoutParkedRows(ChangeBatch batch) throws SQLException {
        if (!rejected.hasParkedRows() || !touchesParkedRow(batch)) {
            return batch;
        }
        BatchApplier.queue(rejected::refresh); // a replay may have released rows since they were parked
        release();
        List<ChangeEvent> parked = new ArrayList<>();
        for (ChangeEvent change : batch.changes()) {
            if (rejected.isParked(change)) {
                parked.add(change);
            }
        }
        if (parked.isEmpty()) {
            return batch;
        }
        BatchApplier.queue(() -> rejected.park(parked));
        ChangeBatch rest = ChangeBatch.like(batch);
        for (ChangeEvent change : batch.changes()) {
            if (!rejected.isParked(change)) {
                rest.add(change);
            }
        }
        return rest;
    }

    /**
     * Applies the parked changes whose row waits behind no rejection any more (a replay cleared the
     * row while this writer was parking more of its changes), in source order, through the guarded
     * path, and marks them replayed; a parked change the sink now rejects becomes the row's rejection.
     */
    void release() throws SQLException {
        if (!rejected.hasParkedRows()) {
            return;
        }
        List<StoredDeadLetter> releasable;
        try {
            releasable = rejected.releasable();
        } catch (IOException e) {
            throw new SQLException("cannot read the dead-letter queue: " + e.getMessage(), "08000", e);
        }
        Set<String> stopped = new HashSet<>();
        for (StoredDeadLetter entry : releasable) {
            String row = DeadLetterQueue.rowOf(entry.letter().event().table().toString(), entry.letter().rowKey());
            if (stopped.contains(row)) {
                continue;
            }
            try {
                OptionalLong held = applier.replay(entry.letter().event());
                BatchApplier.queue(() -> rejected.released(entry, held.isPresent()
                        ? StoredDeadLetter.ReplayResult.SKIPPED : StoredDeadLetter.ReplayResult.APPLIED));
            } catch (SQLException e) {
                if (applier.isTransient(e) || e instanceof WriterFence.WriterFencedException) {
                    throw e;
                }
                stopped.add(row);
                BatchApplier.queue(() -> rejected.reject(entry.letter().event(), e, 1, Instant.now()));
            }
        }
        BatchApplier.queue(rejected::refresh);
    }

    private boolean touchesParkedRow(ChangeBatch batch) {
        for (ChangeEvent change : batch.changes()) {
            if (rejected.isParked(change)) {
                return true;
            }
        }
        return false;
    }
}
