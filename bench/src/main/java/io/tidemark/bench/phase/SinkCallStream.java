package io.tidemark.bench.phase;

import io.tidemark.bench.db.OrdersTable;
import io.tidemark.bench.workload.ChangeWorkload;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.sink.redis.SinkScriptCalls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The workload's changes as the Redis sink receives and encodes them, without a database: a model
 * of the table (each live row's customer and version, which an update keeps and bumps) turns every
 * generated insert, update and delete into the change event the PostgreSQL source would emit (the
 * full row after it, {@code REPLICA IDENTITY FULL}), with increasing positions, and the sink's own
 * encoder into its script call. A transaction's calls are handed on when it commits, deletes first,
 * then updates, then inserts: the order in which the generator's JDBC batches put them in the WAL.
 */
final class SinkCallStream implements ChangeWorkload.Target {

    private static final String[] COLUMNS = {"id", "customer", "amount", "status", "note", "updated_at", "version"};
    private static final int[] KEY = {0};
    /** The first position: LSN 1/0, a position of the size a real WAL position has. */
    private static final long FIRST_POSITION = 1L << 32;

    /** A live row's columns that a change does not give: its customer (updates keep it) and version. */
    private record Live(String customer, int version) {}

    /** A change of the open transaction; it gets its position when the transaction commits. */
    private record Pending(ChangeOperation operation, Object[] before, Object[] after) {}

    private final SinkScriptCalls encoder;
    private Consumer<SinkScriptCalls.Call> out;
    private final Map<Long, Live> rows = new HashMap<>();
    private final List<Pending> deletes = new ArrayList<>();
    private final List<Pending> updates = new ArrayList<>();
    private final List<Pending> inserts = new ArrayList<>();
    /** The marker row's values, which a marker update keeps but for its status and version. */
    private Object[] marker;
    private long position = FIRST_POSITION;
    private ChangeOperation insertAs = ChangeOperation.INSERT;

    SinkCallStream(RedisSinkDef sink, Consumer<SinkScriptCalls.Call> out) {
        this.encoder = new SinkScriptCalls(sink.keyPrefix(), sink.format(),
                Map.of(RedisSinkSide.TABLE, RedisSinkSide.TABLE), sink.ttl(), sink.tombstoneRetention());
        this.out = out;
    }

    /** Hands the calls of the transactions committed from now on to {@code out}. */
    void sendTo(Consumer<SinkScriptCalls.Call> out) {
        this.out = out;
    }

    /** Inserts made until the next {@code false} are snapshot rows (what the job's snapshot reads). */
    void snapshot(boolean snapshot) {
        insertAs = snapshot ? ChangeOperation.SNAPSHOT : ChangeOperation.INSERT;
    }

    @Override
    public void insert(ChangeWorkload.Row row) {
        Object[] after = {row.id(), row.customer(), row.amount(), row.status(), row.note(), row.updatedAt(), 1};
        rows.put(row.id(), new Live(row.customer(), 1));
        if (row.id() == OrdersTable.MARKER_ID) {
            marker = after.clone();
        }
        inserts.add(new Pending(insertAs, null, after));
    }

    @Override
    public void update(ChangeWorkload.Update update) {
        Live before = rows.get(update.id());
        if (before == null) {
            throw new IllegalStateException("an update of row " + update.id() + ", which the model does not have");
        }
        Live after = new Live(before.customer(), before.version() + 1);
        rows.put(update.id(), after);
        updates.add(new Pending(ChangeOperation.UPDATE, null, new Object[] {update.id(), after.customer(),
            update.amount(), update.status(), update.note(), update.updatedAt(), after.version()}));
    }

    @Override
    public void delete(long id) {
        if (rows.remove(id) == null) {
            throw new IllegalStateException("a delete of row " + id + ", which the model does not have");
        }
        deletes.add(new Pending(ChangeOperation.DELETE, new Object[] {id, null, null, null, null, null, null}, null));
    }

    @Override
    public void commit() {
        for (List<Pending> changes : List.of(deletes, updates, inserts)) {
            for (Pending change : changes) {
                out.accept(encoder.call(new ChangeEvent(change.operation(), RedisSinkSide.TABLE, COLUMNS, KEY,
                        change.before(), change.after(), new SourcePosition(position++), 0L)));
            }
            changes.clear();
        }
    }

    /** The marker row's status set in a transaction of its own, as {@link ChangeWorkload#mark} does at the source. */
    void mark(String status) {
        Live before = rows.get(OrdersTable.MARKER_ID);
        Live after = new Live(before.customer(), before.version() + 1);
        rows.put(OrdersTable.MARKER_ID, after);
        marker[3] = status;
        marker[6] = after.version();
        updates.add(new Pending(ChangeOperation.UPDATE, null, marker.clone()));
        commit();
    }
}
