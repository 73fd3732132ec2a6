package io.tidemark.reconcile;

import java.util.List;

/**
 * A key whose rows looked different when first read, with the key values as each side returned them
 * (null on the side that lacked the row), so that either side can be asked for it again.
 */
record Candidate(List<String> key, Object[] sourceKey, Object[] sinkKey) {

    /** The key values to bind on the source: its own, else the sink's. */
    Object[] forSource() {
        return sourceKey != null ? sourceKey : sinkKey;
    }

    /** The key values to bind on the sink: its own, else the source's. */
    Object[] forSink() {
        return sinkKey != null ? sinkKey : sourceKey;
    }
}
