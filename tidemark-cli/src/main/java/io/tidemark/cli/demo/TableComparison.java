package io.tidemark.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One table in one sink compared with the source: a line of the demo's reconciliation summary and
 * an entry of its JSON. The JDBC sink and the Redis sink are checked differently ({@link
 * Reconciliation}, {@link RedisReconciliation}), and summarised alike.
 */
public sealed interface TableComparison permits Reconciliation.TableReport, RedisReconciliation.TableReport {

    /** {@code schema.table}. */
    String table();

    /** The kind of sink: {@code jdbc} or {@code redis}. */
    String sink();

    /** Rows of the table in the source. */
    long sourceRows();

    /** What the sink holds of the table: rows (jdbc) or keys (redis). */
    long sinkRows();

    /** {@code rows} or {@code keys}. */
    String unit();

    boolean equal();

    /** What was compared and, if the table differs, how. */
    String detail();

    Map<String, Object> toJson();

    /** The summary, one line per table and sink: table, sink, what the sink holds, detail, result. */
    static List<String> render(List<? extends TableComparison> comparisons) {
        int detailWidth = comparisons.stream().mapToInt(c -> c.detail().length()).max().orElse(0);
        List<String> lines = new ArrayList<>();
        for (TableComparison c : comparisons) {
            lines.add(String.format(Locale.ROOT, "  %-18s %-5s %10s %-4s   %-" + Math.max(1, detailWidth) + "s   %s",
                    c.table(), c.sink(), String.format(Locale.ROOT, "%,d", c.sinkRows()), c.unit(), c.detail(),
                    c.equal() ? "EQUAL" : "DIFFERENT"));
        }
        return lines;
    }
}
