package io.tidemark.cli.demo;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.TableReconciliation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One line of the demo's reconciliation summary: a table in one sink as {@code tidemark reconcile}
 * found it, with the kind of sink ({@code jdbc} holds rows, {@code redis} keys).
 */
record DemoReconciliation(TableReconciliation result, String sinkType) {

    static List<DemoReconciliation> of(PipelineDef def, ReconcileReport report) {
        List<DemoReconciliation> lines = new ArrayList<>();
        for (TableReconciliation t : report.tables()) {
            boolean redis = def.sinks().stream().anyMatch(s -> s.name().equals(t.sink()) && s instanceof RedisSinkDef);
            lines.add(new DemoReconciliation(t, redis ? "redis" : "jdbc"));
        }
        // per table, the JDBC sink and then Redis
        lines.sort(java.util.Comparator.comparing((DemoReconciliation d) -> d.result.table())
                .thenComparing(DemoReconciliation::sinkType));
        return lines;
    }

    boolean equal() {
        return result.equal();
    }

    String detail() {
        TableReconciliation t = result;
        if (t.equal()) {
            return String.format(Locale.ROOT, "%s, %,d rows downloaded", t.method(), t.rowsDownloaded());
        }
        return String.format(Locale.ROOT, "source %,d rows; %,d missing, %,d extra, %,d different",
                t.sourceRows(), t.missing(), t.extra(), t.different());
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = result.toJson();
        json.put("sinkType", sinkType);
        return json;
    }

    /** The summary, one line per table and sink: table, sink, what the sink holds, detail, result. */
    static List<String> render(List<DemoReconciliation> lines) {
        int detailWidth = lines.stream().mapToInt(l -> l.detail().length()).max().orElse(1);
        List<String> rendered = new ArrayList<>();
        for (DemoReconciliation l : lines) {
            rendered.add(String.format(Locale.ROOT, "  %-18s %-5s %10s %-4s   %-" + Math.max(1, detailWidth) + "s   %s",
                    l.result.table(), l.sinkType, String.format(Locale.ROOT, "%,d", l.result.sinkRows()),
                    l.sinkType.equals("redis") ? "keys" : "rows", l.detail(), l.equal() ? "EQUAL" : "DIFFERENT"));
        }
        return rendered;
    }
}
