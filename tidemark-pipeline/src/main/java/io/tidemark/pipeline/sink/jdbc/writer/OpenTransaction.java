package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.sink.HeldChanges;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code apply-order: source}: the changes of the source transaction whose COMMIT has not arrived.
 * The writer holds them back from its batches, so a sink commit never shows part of a source
 * transaction, and puts them in the checkpoint instead of the sink (see {@link HeldChanges}).
 *
 * <p>The source's changes arrive transaction by transaction, never interleaved, so "the changes
 * since the last COMMIT" is exactly the open transaction; a COMMIT that went missing would only
 * make the next one release two transactions together. A transaction larger than {@link #limit}
 * changes is released in parts rather than held in memory without bound: the writer counts and
 * logs that it did.
 */
final class OpenTransaction {

    /** The default of {@link #limit}: what a writer holds of one source transaction at most. */
    static final int DEFAULT_LIMIT = 100_000;

    private final int limit;
    private List<ChangeEvent> changes = new ArrayList<>();
    private boolean partlyReleased;

    OpenTransaction(int limit) {
        this.limit = limit;
    }

    void add(ChangeEvent change) {
        changes.add(change);
    }

    boolean isEmpty() {
        return changes.isEmpty();
    }

    int size() {
        return changes.size();
    }

    /** Whether the transaction reached the limit and must be released in part. */
    boolean isFull() {
        return changes.size() >= limit;
    }

    /** Hands over the whole transaction: its COMMIT arrived. */
    List<ChangeEvent> commit() {
        partlyReleased = false;
        return take();
    }

    /** Hands over what is held of a transaction that has not ended (too large, or truncating a table). */
    List<ChangeEvent> releasePart() {
        partlyReleased = true;
        return take();
    }

    /** Whether part of this transaction was released before its end already. */
    boolean isPartlyReleased() {
        return partlyReleased;
    }

    private List<ChangeEvent> take() {
        List<ChangeEvent> taken = changes;
        changes = new ArrayList<>();
        return taken;
    }

    HeldChanges held() {
        return new HeldChanges(changes);
    }
}
