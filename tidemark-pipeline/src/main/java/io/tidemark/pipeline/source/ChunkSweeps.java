package io.tidemark.pipeline.source;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link io.tidemark.pipeline.event.ChangeOperation#SWEEP} that ends a snapshot chunk, for
 * chunks whose rows a sink can find again exactly: a chunk key of an exact numeric type (the sink
 * compares the bounds as the source did), or a chunk without bounds (the whole table). A chunk on a
 * text or time key gets none: the source split it by its own collation, which a sink of another
 * database does not share, and a sweep by another order could remove rows of a neighbouring chunk.
 */
public final class ChunkSweeps {

    private static final Set<LogicalTypeRoot> EXACT = EnumSet.of(LogicalTypeRoot.TINYINT, LogicalTypeRoot.SMALLINT,
            LogicalTypeRoot.INTEGER, LogicalTypeRoot.BIGINT, LogicalTypeRoot.DECIMAL);

    private ChunkSweeps() {}

    /**
     * The sweep of chunk {@code [start, end)} of {@code table} read at {@code highWatermark}, or none
     * where a sink could not find the chunk's rows exactly.
     */
    public static Optional<ChangeEvent> of(TableId table, RowType splitKeyType, Object[] start, Object[] end,
            SourcePosition highWatermark) {
        if (splitKeyType.getFieldCount() != 1) {
            return Optional.empty();
        }
        Object from = start == null ? null : start[0];
        Object to = end == null ? null : end[0];
        boolean wholeTable = from == null && to == null;
        if (!wholeTable && !EXACT.contains(splitKeyType.getTypeAt(0).getTypeRoot())) {
            return Optional.empty();
        }
        return Optional.of(ChangeEvent.sweep(table, splitKeyType.getFieldNames().get(0), bound(from), bound(to),
                highWatermark));
    }

    /** A bound as a value every sink binds: the integer types as they are, anything wider as a decimal. */
    private static Object bound(Object value) {
        if (value == null || value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Byte b) {
            return (int) b;
        }
        if (value instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        throw new IllegalArgumentException("a snapshot chunk bound of " + value.getClass().getName()
                + " for an exact numeric chunk key");
    }
}
