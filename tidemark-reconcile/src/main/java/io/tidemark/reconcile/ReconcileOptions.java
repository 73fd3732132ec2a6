package io.tidemark.reconcile;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What to compare and how far to look.
 *
 * @param tables source tables to compare (written as in the pipeline file); empty for all
 * @param sinks sink names to compare against; empty for all
 * @param maxDiffs stop looking for more differing keys of a table once this many were found
 * @param settleTimeout how long differing keys are re-read before they are reported (a running
 *     job's changes in flight settle meanwhile); zero reports what the first read saw
 * @param leafRows a key range with at most this many rows is compared row by row (its digests are
 *     downloaded) instead of being bisected further
 */
public record ReconcileOptions(List<String> tables, List<String> sinks, int maxDiffs, Duration settleTimeout,
        int leafRows) {

    public static final int DEFAULT_MAX_DIFFS = 1000;
    public static final Duration DEFAULT_SETTLE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_LEAF_ROWS = 2048;

    public ReconcileOptions {
        tables = List.copyOf(tables);
        sinks = List.copyOf(sinks);
        Objects.requireNonNull(settleTimeout, "settleTimeout cannot be null");
        if (maxDiffs < 1) {
            throw new IllegalArgumentException("--max-diffs must be at least 1");
        }
        if (settleTimeout.isNegative()) {
            throw new IllegalArgumentException("--settle-timeout cannot be negative");
        }
        if (leafRows < 1) {
            throw new IllegalArgumentException("leafRows must be at least 1");
        }
    }

    /** Every table against every sink, with the defaults. */
    public static ReconcileOptions defaults() {
        return new ReconcileOptions(List.of(), List.of(), DEFAULT_MAX_DIFFS, DEFAULT_SETTLE_TIMEOUT, DEFAULT_LEAF_ROWS);
    }

    public ReconcileOptions withSettleTimeout(Duration timeout) {
        return new ReconcileOptions(tables, sinks, maxDiffs, timeout, leafRows);
    }

    public ReconcileOptions withMaxDiffs(int max) {
        return new ReconcileOptions(tables, sinks, max, settleTimeout, leafRows);
    }

    public ReconcileOptions withTables(List<String> only) {
        return new ReconcileOptions(only, sinks, maxDiffs, settleTimeout, leafRows);
    }

    public ReconcileOptions withSinks(List<String> only) {
        return new ReconcileOptions(tables, only, maxDiffs, settleTimeout, leafRows);
    }

    public ReconcileOptions withLeafRows(int rows) {
        return new ReconcileOptions(tables, sinks, maxDiffs, settleTimeout, rows);
    }
}
