package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The changes one flusher applies in one transaction, compacted to the newest change per row:
 * intermediate versions of a row are never visible to readers anyway, and one change per key is
 * what lets a multi-row upsert carry the whole batch.
 */
final class ChangeBatch {

    private final Map<TableId, LinkedHashMap<RowKey, ChangeEvent>> byTable = new LinkedHashMap<>();
    private int size;
    private long maxPosition = -1;

    void add(ChangeEvent event) {
        LinkedHashMap<RowKey, ChangeEvent> rows = byTable.computeIfAbsent(event.table(), t -> new LinkedHashMap<>());
        ChangeEvent previous = rows.put(new RowKey(event.keyValues()), event);
        if (previous == null) {
            size++;
        } else if (previous.position().isAfter(event.position())) {
            rows.put(new RowKey(event.keyValues()), previous); // never let an older change win
        }
        maxPosition = Math.max(maxPosition, event.position().value());
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

    Map<TableId, LinkedHashMap<RowKey, ChangeEvent>> byTable() {
        return byTable;
    }

    Collection<LinkedHashMap<RowKey, ChangeEvent>> tables() {
        return byTable.values();
    }
}
