package io.tidemark.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One source table compared with its table in one sink.
 *
 * @param table the source table
 * @param sink the sink's name in the pipeline file
 * @param sinkTable the route's table in that sink
 * @param method how it was compared (key-range checksums, every row's digest, every Redis key)
 * @param sourceRows rows in the source table when read
 * @param sinkRows rows (or keys) of the table in the sink when read
 * @param missing keys the source has and the sink lacks
 * @param extra keys the sink has and the source lacks
 * @param different keys both have, with another value in some column
 * @param truncated whether the search stopped at {@code --max-diffs}, so that there may be more
 * @param differences every key that stayed different, up to {@code --max-diffs}
 * @param settled keys that differed when first read and became equal while re-read (in flight)
 * @param statements statements run on both sides
 * @param rowsDownloaded rows (or keys) downloaded from both sides to find the differing keys
 * @param elapsed wall time
 */
public record TableReconciliation(
        String table,
        String sink,
        String sinkTable,
        String method,
        long sourceRows,
        long sinkRows,
        long missing,
        long extra,
        long different,
        boolean truncated,
        List<KeyDifference> differences,
        int settled,
        long statements,
        long rowsDownloaded,
        Duration elapsed) {

    public TableReconciliation {
        differences = List.copyOf(differences);
    }

    public boolean equal() {
        return missing == 0 && extra == 0 && different == 0;
    }

    /** This result as {@code --output json} prints it. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", table);
        m.put("sink", sink);
        m.put("sinkTable", sinkTable);
        m.put("result", equal() ? "EQUAL" : "DIFFERENT");
        m.put("method", method);
        m.put("sourceRows", sourceRows);
        m.put("sinkRows", sinkRows);
        m.put("missing", missing);
        m.put("extra", extra);
        m.put("different", different);
        m.put("truncated", truncated);
        m.put("settledKeys", settled);
        m.put("statements", statements);
        m.put("rowsDownloaded", rowsDownloaded);
        m.put("elapsedMillis", elapsed.toMillis());
        List<Map<String, Object>> keys = new ArrayList<>();
        for (KeyDifference d : differences) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("kind", d.kind().name());
            entry.put("key", d.key());
            if (d.column() != null) {
                entry.put("column", d.column());
                entry.put("sourceValue", d.sourceValue());
                entry.put("sinkValue", d.sinkValue());
            }
            keys.add(entry);
        }
        m.put("differences", keys);
        return m;
    }

    static TableReconciliation of(String table, String sink, String sinkTable, String method, long sourceRows,
            long sinkRows, boolean truncated, Settling.Outcome outcome, long statements, long rowsDownloaded,
            Duration elapsed) {
        long missing = outcome.differences().stream().filter(d -> d.kind() == DifferenceKind.MISSING).count();
        long extra = outcome.differences().stream().filter(d -> d.kind() == DifferenceKind.EXTRA).count();
        long different = outcome.differences().size() - missing - extra;
        return new TableReconciliation(table, sink, sinkTable, method, sourceRows, sinkRows, missing, extra, different,
                truncated, outcome.differences(), outcome.settled(), statements, rowsDownloaded, elapsed);
    }
}
