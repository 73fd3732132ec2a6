package io.tidemark.cli.demo;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the demo did and what the reconciliation found; printed as JSON with {@code --output json}. */
public record DemoResult(
        List<DemoReconciliation> tables,
        String webUi,
        String savepoint,
        long changes,
        long changesWhileDown,
        int deadLetters,
        int replayed,
        Duration duration) {

    /** True if every table is equal to the source in every sink. */
    public boolean equal() {
        return tables.stream().allMatch(DemoReconciliation::equal);
    }

    /** The tables that differ, each with its sink: {@code public.orders (redis)}. */
    public List<String> differentTables() {
        return tables.stream().filter(t -> !t.equal()).map(t -> t.result().table() + " (" + t.sinkType() + ")").toList();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("equal", equal());
        json.put("tables", tables.stream().map(DemoReconciliation::toJson).toList());
        json.put("savepoint", savepoint);
        json.put("changes", changes);
        json.put("changesWhileDown", changesWhileDown);
        json.put("deadLetters", deadLetters);
        json.put("replayed", replayed);
        json.put("webUi", webUi);
        json.put("durationSeconds", duration.toMillis() / 1000.0);
        return json;
    }
}
