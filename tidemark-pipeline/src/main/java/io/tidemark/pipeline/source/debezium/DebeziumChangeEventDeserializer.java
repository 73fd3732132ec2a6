package io.tidemark.pipeline.source.debezium;

import io.tidemark.pipeline.config.TruncateHandling;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeEventTypeInfo;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Field;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns Debezium's row-change records, as Flink CDC's sources emit them, into {@link ChangeEvent}s
 * with their source position. What differs between source databases (which table a record belongs
 * to, where in the log it lies) comes from a {@link SourceRecordLocator}.
 *
 * <p>Stream changes carry the log position of the change. Snapshot rows carry the high watermark
 * of their chunk, set by the source's record emitter before the chunk's records pass through here:
 * a snapshot row shows the table as of that position, and only the stream changes that belong after
 * it reach here (for MySQL by Flink CDC's binlog-position filter, for PostgreSQL by commit: see
 * {@code SnapshotHandover}), so the position orders snapshot rows correctly against stream changes.
 */
public final class DebeziumChangeEventDeserializer implements DebeziumDeserializationSchema<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    /** Debezium's placeholder for an unchanged PostgreSQL TOASTed value that the WAL did not carry. */
    static final String UNAVAILABLE_VALUE = "__debezium_unavailable_value";

    private final SourceRecordLocator locator;
    private final TruncateHandling truncate;
    private final Set<TableId> wholeRowTables;
    private final StructField opField = new StructField("op");
    private final StructField sourceField = new StructField("source");
    private final StructField beforeField = new StructField("before");
    private final StructField afterField = new StructField("after");
    private final StructField commitTimeField = new StructField("ts_ms");

    private transient Map<Schema, RowLayout> layouts;
    // transient fields come back as false/0 after deserialization, whatever their initializer says
    private transient boolean inSnapshotChunk;
    private transient long snapshotHighWatermark;

    public DebeziumChangeEventDeserializer(SourceRecordLocator locator) {
        this(locator, TruncateHandling.APPLY);
    }

    public DebeziumChangeEventDeserializer(SourceRecordLocator locator, TruncateHandling truncate) {
        this(locator, truncate, Set.of());
    }

    /**
     * @param wholeRowTables tables whose updates must carry the old row ({@code REPLICA IDENTITY
     *     FULL}, required where PostgreSQL may TOAST a value): one that arrives without it means
     *     the identity changed while the job ran, and unchanged TOASTed values are missing from it
     */
    public DebeziumChangeEventDeserializer(SourceRecordLocator locator, TruncateHandling truncate,
            Set<TableId> wholeRowTables) {
        this.locator = locator;
        this.truncate = truncate;
        this.wholeRowTables = Set.copyOf(wholeRowTables);
    }

    /** Called by the emitter before it passes the records of one snapshot chunk. */
    public void enterSnapshotChunk(long highWatermark) {
        this.snapshotHighWatermark = highWatermark;
        this.inSnapshotChunk = true;
    }

    /** Called by the emitter after the records of a snapshot chunk. */
    public void exitSnapshotChunk() {
        this.inSnapshotChunk = false;
    }

    @Override
    public void deserialize(SourceRecord record, Collector<ChangeEvent> out) {
        Struct value = (Struct) record.value();
        if (value == null) {
            return; // a Kafka tombstone: nothing to apply
        }
        String op = opField.getString(value);
        Struct source = sourceField.getStruct(value);
        TableId table = locator.tableOf(source);
        Struct before = beforeField.getStruct(value);
        Struct after = afterField.getStruct(value);
        Struct key = (Struct) record.key();

        ChangeOperation operation;
        SourcePosition position;
        long commitTime;
        if (inSnapshotChunk) {
            // every record of a snapshot chunk (backfilled ones included) shows the row as of HW
            if (after == null) {
                return; // cannot happen with backfill normalisation; nothing to upsert
            }
            operation = ChangeOperation.SNAPSHOT;
            position = new SourcePosition(snapshotHighWatermark);
            commitTime = 0L;
        } else {
            switch (op) {
                case "c":
                    operation = ChangeOperation.INSERT;
                    break;
                case "u":
                    operation = ChangeOperation.UPDATE;
                    break;
                case "d":
                    operation = ChangeOperation.DELETE;
                    break;
                case "t":
                    collectTruncate(record, source, table, out);
                    return;
                case "r":
                    throw new IllegalStateException(
                            "snapshot record for " + table + " outside a snapshot chunk");
                default:
                    return; // logical decoding messages are not row changes
            }
            position = new SourcePosition(locator.positionOf(record, source));
            Long ts = commitTimeField.getInt64(source);
            commitTime = ts == null ? 0L : ts;
        }

        if (operation == ChangeOperation.UPDATE && before == null && wholeRowTables.contains(table)) {
            // Debezium sends NULL for an unchanged TOASTed array or numeric it cannot convert: stop first
            throw new IllegalStateException("table " + table + " sent an update without its old row, so its replica"
                    + " identity is no longer FULL and values PostgreSQL keeps out of line may be missing from it;"
                    + " run ALTER TABLE " + table + " REPLICA IDENTITY FULL (the update at " + locator.describe(position)
                    + " was not applied)");
        }
        Struct image = operation.isUpsert() ? after : before;
        if (image == null) {
            throw new IllegalStateException(
                    operation + " record for " + table + " at " + position + " has no row image");
        }
        RowLayout layout = layoutFor(image.schema(), key == null ? null : key.schema(), table);
        Object[] beforeRow = before == null ? null : layout.convert(before, table);
        Object[] afterRow = after == null ? null : layout.convert(after, table);
        out.collect(
                new ChangeEvent(
                        operation,
                        table,
                        layout.names,
                        layout.keyIndexes,
                        beforeRow,
                        afterRow,
                        position,
                        commitTime));
    }

    /** A truncate of a captured table: applied by the sinks, or the end of the road with {@code truncate: fail}. */
    private void collectTruncate(SourceRecord record, Struct source, TableId table, Collector<ChangeEvent> out) {
        SourcePosition position = new SourcePosition(locator.positionOf(record, source));
        if (truncate == TruncateHandling.FAIL) {
            throw new IllegalStateException("source table " + table + " was truncated at "
                    + locator.describe(position) + " and source.truncate is fail: the pipeline stops before the"
                    + " truncate; set source.truncate: apply to empty the table in the sinks and go on");
        }
        Long ts = commitTimeField.getInt64(source);
        out.collect(ChangeEvent.truncate(table, position, ts == null ? 0L : ts));
    }

    private RowLayout layoutFor(Schema rowSchema, Schema keySchema, TableId table) {
        if (layouts == null) {
            layouts = new IdentityHashMap<>();
        }
        RowLayout layout = layouts.get(rowSchema);
        if (layout == null) {
            layout = RowLayout.of(rowSchema, keySchema, table);
            layouts.put(rowSchema, layout);
        }
        return layout;
    }

    @Override
    public TypeInformation<ChangeEvent> getProducedType() {
        return ChangeEventTypeInfo.INSTANCE;
    }

    private static final byte[] UNAVAILABLE_BYTES = UNAVAILABLE_VALUE.getBytes(StandardCharsets.UTF_8);

    /**
     * Whether a raw value is Debezium's placeholder for an unchanged TOASTed value, in whichever
     * form its converter gives it for the column's type: the text for strings, JSON and types it
     * does not know, its bytes for bytea, a list holding it for arrays.
     */
    static boolean isUnavailable(Object raw) {
        if (raw instanceof String text) {
            return text.equals(UNAVAILABLE_VALUE);
        }
        if (raw instanceof ByteBuffer buffer) {
            return buffer.remaining() == UNAVAILABLE_BYTES.length
                    && buffer.duplicate().equals(ByteBuffer.wrap(UNAVAILABLE_BYTES));
        }
        if (raw instanceof byte[] bytes) {
            return Arrays.equals(bytes, UNAVAILABLE_BYTES);
        }
        if (raw instanceof List<?> list) {
            for (Object element : list) {
                if (isUnavailable(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Column names, key positions and value converters of one row schema, computed once. */
    private static final class RowLayout {
        final String[] names;
        final int[] keyIndexes;
        final DebeziumValueConverter[] converters;
        final Field[] fields;

        private RowLayout(String[] names, int[] keyIndexes, DebeziumValueConverter[] converters, Field[] fields) {
            this.names = names;
            this.keyIndexes = keyIndexes;
            this.converters = converters;
            this.fields = fields;
        }

        static RowLayout of(Schema rowSchema, Schema keySchema, TableId table) {
            List<Field> fields = rowSchema.fields();
            String[] names = new String[fields.size()];
            DebeziumValueConverter[] converters = new DebeziumValueConverter[fields.size()];
            for (int i = 0; i < names.length; i++) {
                names[i] = fields.get(i).name();
                converters[i] = DebeziumValueConverter.forSchema(fields.get(i).schema());
            }
            if (keySchema == null || keySchema.fields().isEmpty()) {
                throw new IllegalStateException(
                        "table " + table + " has no primary key; Tidemark needs one to apply"
                                + " changes exactly once: add a primary key or remove the table"
                                + " from source.tables");
            }
            int[] keyIndexes = new int[keySchema.fields().size()];
            for (int k = 0; k < keyIndexes.length; k++) {
                Field keyField = rowSchema.field(keySchema.fields().get(k).name());
                if (keyField == null) {
                    throw new IllegalStateException(
                            "key column " + keySchema.fields().get(k).name() + " of " + table
                                    + " is not in its row");
                }
                keyIndexes[k] = keyField.index();
            }
            return new RowLayout(names, keyIndexes, converters, fields.toArray(new Field[0]));
        }

        Object[] convert(Struct row, TableId table) {
            Object[] values = new Object[fields.length];
            for (int i = 0; i < fields.length; i++) {
                Object raw = row.get(fields[i]);
                if (isUnavailable(raw)) {
                    throw new IllegalStateException(
                            "column " + names[i] + " of " + table + " arrived without its value"
                                    + " (an unchanged TOASTed value in PostgreSQL); run ALTER TABLE " + table
                                    + " REPLICA IDENTITY FULL so that the WAL carries whole rows");
                }
                values[i] = converters[i].convert(raw);
            }
            return values;
        }
    }
}
