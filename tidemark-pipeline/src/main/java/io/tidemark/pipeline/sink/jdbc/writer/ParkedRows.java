package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

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
        try {
            rejected.release(applier::replayForQueue);
        } catch (IOException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql; // transient, or a newer attempt owns the sink
            }
            throw new SQLException("cannot use the dead-letter queue: " + e.getMessage(), "08000", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while releasing parked changes", "08000", e);
        }
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
