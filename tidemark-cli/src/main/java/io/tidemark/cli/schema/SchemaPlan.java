package io.tidemark.cli.schema;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a schema change does to the sinks: per JDBC sink the statements that make its tables hold
 * the source's columns again, the source tables they concern, and what the planner noticed. A
 * {@link Finding#blocking()} finding means the change cannot be applied safely: the command stops
 * there, before the job is touched.
 */
record SchemaPlan(List<SinkStatements> sinks, List<Finding> findings) {

    /** The statements for one sink, in order, and the source tables whose sink tables they change. */
    record SinkStatements(String sink, List<String> statements, Set<String> sourceTables) {}

    /** One observation; {@code subject} is {@code sinks.NAME schema.table.column}. */
    record Finding(boolean blocking, String subject, String message) {
        String describe() {
            return (blocking ? "BLOCKING " : "info     ") + subject + ": " + message;
        }
    }

    SchemaPlan {
        sinks = List.copyOf(sinks);
        findings = List.copyOf(findings);
    }

    boolean blocked() {
        return findings.stream().anyMatch(Finding::blocking);
    }

    boolean empty() {
        return sinks.stream().allMatch(s -> s.statements().isEmpty());
    }

    /** Every source table a statement concerns. */
    Set<String> changedTables() {
        Set<String> tables = new LinkedHashSet<>();
        sinks.forEach(s -> tables.addAll(s.sourceTables()));
        return tables;
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("blocked", blocked());
        json.put("sinks", sinks.stream().map(s -> Map.of("sink", s.sink(), "statements", s.statements(),
                "sourceTables", s.sourceTables())).toList());
        json.put("findings", findings.stream().map(f -> Map.of("blocking", f.blocking(), "subject", f.subject(),
                "message", f.message())).toList());
        return json;
    }
}
