package io.tidemark.pipeline.event;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Encodes change events between operators and in the dead-letter queue. Hand-written rather than
 * Kryo so that the encoding is compact, fast and fixed.
 *
 * <p>Every record starts with its encoding version ({@link #VERSION_MARK} | version), because
 * encoded events outlive the job that wrote them: in-flight data of unaligned checkpoints is read
 * back by the restored job's serializer without any compatibility check, and dead letters are
 * replayed by whatever version of Tidemark runs later. The serializer reads every version it has
 * ever written (version 1 had no version byte and began with the operation, always below the mark)
 * and refuses a newer one with a clear error instead of misreading it.
 */
public final class ChangeEventSerializer extends TypeSerializerSingleton<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    public static final ChangeEventSerializer INSTANCE = new ChangeEventSerializer();

    private static final ChangeOperation[] OPERATIONS = ChangeOperation.values();

    /** Set in the first byte of every record from version 2 on; version 1 began with the operation (0..3). */
    static final int VERSION_MARK = 0x80;

    /** The encoding this serializer writes. Version 2 = version 1 preceded by the version byte. */
    public static final int CURRENT_VERSION = 2;

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public ChangeEvent createInstance() {
        return null;
    }

    @Override
    public ChangeEvent copy(ChangeEvent from) {
        return from;
    }

    @Override
    public ChangeEvent copy(ChangeEvent from, ChangeEvent reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ChangeEvent event, DataOutputView out) throws IOException {
        out.writeByte(VERSION_MARK | CURRENT_VERSION);
        out.writeByte(event.operation().ordinal());
        RowValues.writeString(event.table().schema(), out);
        RowValues.writeString(event.table().table(), out);
        String[] columns = event.columns();
        out.writeShort(columns.length);
        for (String column : columns) {
            RowValues.writeString(column, out);
        }
        int[] keys = event.keyIndexes();
        out.writeShort(keys.length);
        for (int key : keys) {
            out.writeShort(key);
        }
        writeRow(event.before(), out);
        writeRow(event.after(), out);
        out.writeLong(event.position().value());
        out.writeLong(event.commitTimeMillis());
    }

    @Override
    public ChangeEvent deserialize(DataInputView in) throws IOException {
        int first = in.readUnsignedByte();
        int operationOrdinal;
        if (first < VERSION_MARK) {
            operationOrdinal = first; // version 1: no version byte
        } else if ((first & ~VERSION_MARK) == CURRENT_VERSION) {
            operationOrdinal = in.readUnsignedByte();
        } else {
            throw new IOException("a change event was encoded by a newer Tidemark (encoding version "
                    + (first & ~VERSION_MARK) + "; this version reads 1 to " + CURRENT_VERSION
                    + "): run the newer version, or restore from a savepoint it did not write");
        }
        if (operationOrdinal >= OPERATIONS.length) {
            throw new IOException("a change event has an unknown operation " + operationOrdinal
                    + " (encoded by a newer Tidemark?)");
        }
        ChangeOperation operation = OPERATIONS[operationOrdinal];
        TableId table = new TableId(RowValues.readString(in), RowValues.readString(in));
        String[] columns = new String[in.readShort()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = RowValues.readString(in);
        }
        int[] keys = new int[in.readShort()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = in.readShort();
        }
        Object[] before = readRow(in);
        Object[] after = readRow(in);
        SourcePosition position = new SourcePosition(in.readLong());
        long commitTime = in.readLong();
        return new ChangeEvent(operation, table, columns, keys, before, after, position, commitTime);
    }

    @Override
    public ChangeEvent deserialize(ChangeEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    private static void writeRow(Object[] row, DataOutputView out) throws IOException {
        if (row == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(row.length);
        for (Object value : row) {
            RowValues.write(value, out);
        }
    }

    private static Object[] readRow(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        Object[] row = new Object[length];
        for (int i = 0; i < length; i++) {
            row[i] = RowValues.read(in);
        }
        return row;
    }

    @Override
    public TypeSerializerSnapshot<ChangeEvent> snapshotConfiguration() {
        return new ChangeEventSerializerSnapshot();
    }

    /**
     * Serializer snapshot for {@link ChangeEventSerializer}. It carries no encoding version of its
     * own: each record does, and this serializer reads them all, so any older snapshot is
     * compatible as is.
     */
    public static final class ChangeEventSerializerSnapshot
            extends SimpleTypeSerializerSnapshot<ChangeEvent> {
        public ChangeEventSerializerSnapshot() {
            super(() -> INSTANCE);
        }
    }
}
