package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.RowValues;

import java.util.Arrays;

/** A primary key value with content equality (byte arrays included), for compacting batches. */
final class RowKey {

    private final Object[] values;
    private final int hash;

    RowKey(Object[] values) {
        this.values = values;
        int h = 1;
        for (Object v : values) {
            h = 31 * h + RowValues.hash(v);
        }
        this.hash = h;
    }

    Object[] values() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowKey other && hash == other.hash && Arrays.deepEquals(values, other.values);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
