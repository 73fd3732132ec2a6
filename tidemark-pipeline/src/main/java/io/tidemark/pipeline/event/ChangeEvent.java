package io.tidemark.pipeline.event;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row change leaving a source database: the typed unit that flows from sources to sinks.
 *
 * <p>Rows are positional: {@link #columns()} names each slot of {@link #before()} and {@link
 * #after()}, and {@link #keyIndexes()} says which slots form the primary key. Values belong to a
 * closed set of Java types (see {@link RowValues}) so that every sink can bind them and the event
 * serializer can encode them compactly.
 *
 * <p>A {@link ChangeOperation#TRUNCATE} has no row and no key. It reaches every sink subtask
 * (the job sends one copy to each, see {@link #truncateCopy(int, int)}), because every subtask
 * holds rows of the table; its {@link #before()} holds the copy's number and the number of copies.
 *
 * <p>A {@link ChangeOperation#COMMIT} marks the end of a source transaction for sinks that apply in
 * source order; its {@link #before()} holds the source's transaction id and its table is the first
 * table the transaction changed.
 *
 * <p>A {@link ChangeOperation#SWEEP} ends a snapshot chunk; it has no row and, like a truncate,
 * reaches every sink subtask ({@link #sweepCopy(int, int)}); it names the chunk's key column, and its
 * {@link #before()} holds the range's bounds, the copy's number and the number of copies.
 */
public final class ChangeEvent {

    private static final String[] TRUNCATE_COLUMNS = {"_tidemark_copy", "_tidemark_copies"};
    private static final String[] COMMIT_COLUMNS = {"_tidemark_transaction"};

    private final ChangeOperation operation;
    private final TableId table;
    private final String[] columns;
    private final int[] keyIndexes;
    private final Object[] before;
    private final Object[] after;
    private final SourcePosition position;
    private final long commitTimeMillis;

    public ChangeEvent(
            ChangeOperation operation,
            TableId table,
            String[] columns,
            int[] keyIndexes,
            Object[] before,
            Object[] after,
            SourcePosition position,
            long commitTimeMillis) {
        this.operation = Objects.requireNonNull(operation, "operation cannot be null");
        this.table = Objects.requireNonNull(table, "table cannot be null");
        this.columns = Objects.requireNonNull(columns, "columns cannot be null");
        this.keyIndexes = Objects.requireNonNull(keyIndexes, "keyIndexes cannot be null");
        this.before = before;
        this.after = after;
        this.position = Objects.requireNonNull(position, "position cannot be null");
        this.commitTimeMillis = commitTimeMillis;
        if (operation.isUpsert() && after == null) {
            throw new IllegalArgumentException(operation + " event for " + table + " has no after row");
        }
        if (operation.isDelete() && before == null) {
            throw new IllegalArgumentException("DELETE event for " + table + " has no before row");
        }
        if (operation == ChangeOperation.TRUNCATE
                && (before == null || before.length != 2 || keyIndexes.length != 0)) {
            throw new IllegalArgumentException("TRUNCATE event for " + table + " must carry its copy and copies");
        }
        if (operation == ChangeOperation.SWEEP && (before == null || before.length != 4 || columns.length != 1
                || keyIndexes.length != 0)) {
            throw new IllegalArgumentException("SWEEP event for " + table + " must carry its key column and bounds");
        }
        if (operation == ChangeOperation.COMMIT
                && (before == null || before.length != 1 || !(before[0] instanceof String) || keyIndexes.length != 0)) {
            throw new IllegalArgumentException("COMMIT event for " + table + " must carry its transaction id");
        }
    }

    /**
     * The end of source transaction {@code transactionId}, which changed {@code table} (its first
     * table) among others. A commit has no position of its own: it is ordered by where it is in
     * the stream, after the transaction's last change.
     */
    public static ChangeEvent commit(String transactionId, TableId table, long commitTimeMillis) {
        return new ChangeEvent(ChangeOperation.COMMIT, table, COMMIT_COLUMNS, new int[0],
                new Object[] {Objects.requireNonNull(transactionId, "transactionId cannot be null")}, null,
                new SourcePosition(0), commitTimeMillis);
    }

    /** The source's id of the transaction a {@link ChangeOperation#COMMIT} ends. */
    public String transactionId() {
        if (operation != ChangeOperation.COMMIT) {
            throw new IllegalStateException(operation + " events carry no transaction id");
        }
        return (String) before[0];
    }

    /** A truncate of {@code table} at {@code position}: the one copy a sink of parallelism 1 receives. */
    public static ChangeEvent truncate(TableId table, SourcePosition position, long commitTimeMillis) {
        return new ChangeEvent(ChangeOperation.TRUNCATE, table, TRUNCATE_COLUMNS, new int[0], new Object[] {0, 1},
                null, position, commitTimeMillis);
    }

    /**
     * The end of snapshot chunk {@code [from, to)} of {@code table} on chunk key column {@code
     * keyColumn} (a null bound is open), read at {@code highWatermark}: see {@link ChangeOperation#SWEEP}.
     */
    public static ChangeEvent sweep(TableId table, String keyColumn, Object from, Object to,
            SourcePosition highWatermark) {
        return new ChangeEvent(ChangeOperation.SWEEP, table, new String[] {keyColumn}, new int[0],
                new Object[] {from, to, 0, 1}, null, highWatermark, 0L);
    }

    /** Copy {@code copy} of {@code copies} of this sweep, one for each sink subtask. */
    public ChangeEvent sweepCopy(int copy, int copies) {
        requireSweep();
        return new ChangeEvent(operation, table, columns, keyIndexes, new Object[] {before[0], before[1], copy, copies},
                null, position, commitTimeMillis);
    }

    /** Which copy of a sweep this is, from 0. */
    public int sweepCopy() {
        requireSweep();
        return (Integer) before[2];
    }

    /** How many copies of this sweep the job sent: one per sink subtask. */
    public int sweepCopies() {
        requireSweep();
        return (Integer) before[3];
    }

    /** The chunk key column of a {@link ChangeOperation#SWEEP}. */
    public String sweepColumn() {
        requireSweep();
        return columns[0];
    }

    /** The lower bound (inclusive) of a {@link ChangeOperation#SWEEP}'s range, or null for none. */
    public Object sweepFrom() {
        requireSweep();
        return before[0];
    }

    /** The upper bound (exclusive) of a {@link ChangeOperation#SWEEP}'s range, or null for none. */
    public Object sweepTo() {
        requireSweep();
        return before[1];
    }

    private void requireSweep() {
        if (operation != ChangeOperation.SWEEP) {
            throw new IllegalStateException(operation + " events have no sweep range");
        }
    }

    /** Copy {@code copy} of {@code copies} of this truncate, one for each sink subtask. */
    public ChangeEvent truncateCopy(int copy, int copies) {
        if (operation != ChangeOperation.TRUNCATE) {
            throw new IllegalStateException(operation + " events are not copied");
        }
        return new ChangeEvent(operation, table, columns, keyIndexes, new Object[] {copy, copies}, null, position,
                commitTimeMillis);
    }

    /** This change at another position: where the source orders it differently from its log position. */
    public ChangeEvent at(SourcePosition newPosition) {
        return new ChangeEvent(operation, table, columns, keyIndexes, before, after, newPosition, commitTimeMillis);
    }

    /** Which copy of a truncate this is, from 0. */
    public int truncateCopy() {
        return (Integer) before[0];
    }

    /** How many copies of this truncate the job sent: one per sink subtask. */
    public int truncateCopies() {
        return (Integer) before[1];
    }

    public ChangeOperation operation() {
        return operation;
    }

    public TableId table() {
        return table;
    }

    public String[] columns() {
        return columns;
    }

    public int[] keyIndexes() {
        return keyIndexes;
    }

    /** The row before the change; for deletes at least the key columns are set. */
    public Object[] before() {
        return before;
    }

    /** The row after the change; null for deletes. */
    public Object[] after() {
        return after;
    }

    public SourcePosition position() {
        return position;
    }

    /** Commit time in the source (epoch millis); 0 for snapshot rows. */
    public long commitTimeMillis() {
        return commitTimeMillis;
    }

    /** The row image that carries the key: after for upserts, before for deletes (a truncate has no key). */
    public Object[] keyRow() {
        return operation.isUpsert() ? after : before;
    }

    /** The primary key values, in key order. */
    public Object[] keyValues() {
        Object[] row = keyRow();
        Object[] key = new Object[keyIndexes.length];
        for (int i = 0; i < keyIndexes.length; i++) {
            key[i] = row[keyIndexes[i]];
        }
        return key;
    }

    /** The key column names, in key order. */
    public String[] keyColumns() {
        String[] names = new String[keyIndexes.length];
        for (int i = 0; i < keyIndexes.length; i++) {
            names[i] = columns[keyIndexes[i]];
        }
        return names;
    }

    /**
     * A stable hash of table and primary key. The pipeline is keyed by it, so all changes of one
     * row go to one sink subtask in source order, at any parallelism.
     */
    public int keyHash() {
        int h = table.hashCode();
        Object[] row = keyRow();
        for (int index : keyIndexes) {
            h = 31 * h + RowValues.hash(row[index]);
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChangeEvent)) {
            return false;
        }
        ChangeEvent that = (ChangeEvent) o;
        return commitTimeMillis == that.commitTimeMillis
                && operation == that.operation
                && table.equals(that.table)
                && Arrays.equals(columns, that.columns)
                && Arrays.equals(keyIndexes, that.keyIndexes)
                && Arrays.deepEquals(before, that.before)
                && Arrays.deepEquals(after, that.after)
                && position.equals(that.position);
    }

    @Override
    public int hashCode() {
        return Objects.hash(operation, table, position);
    }

    @Override
    public String toString() {
        if (operation == ChangeOperation.COMMIT) {
            return "COMMIT of source transaction " + transactionId();
        }
        if (operation == ChangeOperation.SWEEP) {
            return "SWEEP " + table + " " + columns[0] + " in [" + before[0] + ", " + before[1] + ") before " + position
                    + " (copy " + before[2] + " of " + before[3] + ")";
        }
        return operation + " " + table + " key=" + Arrays.deepToString(keyValues()) + " at " + position;
    }
}
