package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Changes to an orders table ({@code id, customer, amount, note, version}) at rising source
 * positions, and the source rows they leave behind, each as {@code id|customer|amount|note|version}:
 * what the sink must equal. Shared by the dead-letter replay tests on PostgreSQL and MariaDB.
 */
final class OrderChanges {

    static final String[] COLUMNS = {"id", "customer", "amount", "note", "version"};

    private final TableId table;
    private final Map<Long, String> rows = new TreeMap<>();
    private long position = 1_000;

    OrderChanges(TableId table) {
        this.table = table;
    }

    ChangeEvent upsert(ChangeOperation op, long id, String customer, String amount, String note, int version) {
        position += 10;
        rows.put(id, id + "|" + customer + "|" + amount + "|" + note + "|" + version);
        return new ChangeEvent(op, table, COLUMNS, new int[] {0}, null,
                new Object[] {id, customer, new BigDecimal(amount), note, version}, SourcePosition.ofLsn(position), 0);
    }

    ChangeEvent delete(long id) {
        position += 10;
        rows.remove(id);
        return new ChangeEvent(ChangeOperation.DELETE, table, COLUMNS, new int[] {0},
                new Object[] {id, null, null, null, null}, null, SourcePosition.ofLsn(position), 0);
    }

    /** The source's rows as the changes so far left them. */
    Map<Long, String> rows() {
        return new TreeMap<>(rows);
    }

    static Map<Long, String> except(Map<Long, String> rows, Set<Long> keys) {
        Map<Long, String> kept = new TreeMap<>(rows);
        kept.keySet().removeAll(keys);
        return kept;
    }

    static ChangeBatch batch(ChangeEvent... events) {
        return batch(List.of(events));
    }

    static ChangeBatch batch(List<ChangeEvent> events) {
        ChangeBatch batch = new ChangeBatch();
        events.forEach(batch::add);
        return batch;
    }
}
