package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The changes one flusher applies in one transaction. Compacted (apply-order keyed) it keeps the
 * newest change per row: intermediate versions of a row are never visible to readers anyway, and
 * one change per key is what lets a multi-row upsert carry the whole batch. Ordered (apply-order
 * source) it keeps every change in the order the source made them, for sinks whose constraints
 * span rows.
 */
final class ChangeBatch {

    private final boolean ordered;
    private final Map<TableId, LinkedHashMap<RowKey, ChangeEvent>> byTable = new LinkedHashMap<>();
    private final List<ChangeEvent> inOrder = new ArrayList<>();
    private int size;
    private long maxPosition = -1;

    private ChangeBatch(boolean ordered) {
        this.ordered = ordered;
    }

    /** A batch that keeps the newest change per row. */
    ChangeBatch() {
        this(false);
    }

    /** An empty batch of the same kind as {@code like}. */
    static ChangeBatch like(ChangeBatch like) {
        return new ChangeBatch(like.ordered);
    }

    /** A batch that keeps every change in arrival order. */
    static ChangeBatch ordered() {
        return new ChangeBatch(true);
    }

    void add(ChangeEvent event) {
        maxPosition = Math.max(maxPosition, event.position().value());
        if (ordered) {
            inOrder.add(event);
            size++;
            return;
        }
        LinkedHashMap<RowKey, ChangeEvent> rows = byTable.computeIfAbsent(event.table(), t -> new LinkedHashMap<>());
        ChangeEvent previous = rows.put(new RowKey(event.keyValues()), event);
        if (previous == null) {
            size++;
        } else if (previous.position().isAfter(event.position())) {
            rows.put(new RowKey(event.keyValues()), previous); // never let an older change win
        }
    }

    boolean isOrdered() {
        return ordered;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long maxPosition() {
        return maxPosition;
    }

    /** A compacted batch's changes per source table. */
    Map<TableId, LinkedHashMap<RowKey, ChangeEvent>> byTable() {
        if (ordered) {
            throw new IllegalStateException("an ordered batch is applied in order, not per table");
        }
        return byTable;
    }

    /** Every change, in the order it is applied: arrival order, or per table and row when compacted. */
    List<ChangeEvent> changes() {
        if (ordered) {
            return inOrder;
        }
        List<ChangeEvent> all = new ArrayList<>(size);
        for (LinkedHashMap<RowKey, ChangeEvent> rows : byTable.values()) {
            all.addAll(rows.values());
        }
        return all;
    }
}
