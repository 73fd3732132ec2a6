package io.tidemark.pipeline.event;

import java.io.Serializable;

/**
 * Where a change came from in its source's log, as one totally ordered number per source: for
 * PostgreSQL the WAL position (LSN) of the change, for a snapshot row the high watermark LSN of
 * its chunk. Sinks keep the position of the change that last wrote each row and apply a change
 * only when its position is higher, which is what makes replays after a restore harmless.
 */
public record SourcePosition(long value) implements Comparable<SourcePosition>, Serializable {

    public static SourcePosition ofLsn(long lsn) {
        return new SourcePosition(lsn);
    }

    public boolean isAfter(SourcePosition other) {
        return value > other.value;
    }

    @Override
    public int compareTo(SourcePosition other) {
        return Long.compare(value, other.value);
    }

    /** The LSN in PostgreSQL's own notation, e.g. {@code 0/16B3748}. */
    public String toLsnString() {
        return Long.toHexString(value >>> 32).toUpperCase()
                + "/"
                + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }

    @Override
    public String toString() {
        return toLsnString();
    }
}
