package io.tidemark.cli.demo;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the demo did and what the reconciliation found; printed as JSON with {@code --output json}. */
public record DemoResult(
        List<Reconciliation.TableReport> tables,
        String webUi,
        String savepoint,
        long changes,
        long changesWhileDown,
        Duration duration) {

    /** True if every table is equal in source and sink. */
    public boolean equal() {
        return tables.stream().allMatch(Reconciliation.TableReport::equal);
    }

    /** The tables that differ. */
    public List<String> differentTables() {
        return tables.stream().filter(t -> !t.equal()).map(Reconciliation.TableReport::table).toList();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("equal", equal());
        json.put("tables", tables.stream().map(t -> {
            Map<String, Object> table = new LinkedHashMap<>();
            table.put("table", t.table());
            table.put("sourceRows", t.sourceRows());
            table.put("sinkRows", t.sinkRows());
            table.put("sourceChecksum", t.sourceChecksum());
            table.put("sinkChecksum", t.sinkChecksum());
            table.put("result", t.equal() ? "EQUAL" : "DIFFERENT");
            return table;
        }).toList());
        json.put("savepoint", savepoint);
        json.put("changes", changes);
        json.put("changesWhileDown", changesWhileDown);
        json.put("webUi", webUi);
        json.put("durationSeconds", duration.toMillis() / 1000.0);
        return json;
    }
}
