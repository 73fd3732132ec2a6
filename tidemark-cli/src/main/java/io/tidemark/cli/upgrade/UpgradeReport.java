package io.tidemark.cli.upgrade;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything the check found about restoring one savepoint into a new pipeline version; compatible if nothing blocks. */
public record UpgradeReport(String savepoint, long checkpointId, List<SavedOperator> saved, List<UpgradeFinding> findings) {

    public UpgradeReport {
        saved = List.copyOf(saved);
        findings = List.copyOf(findings);
    }

    public boolean compatible() {
        return findings.stream().noneMatch(f -> f.severity() == UpgradeFinding.Severity.BLOCKING);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("savepoint", savepoint);
        json.put("checkpointId", checkpointId);
        json.put("compatible", compatible());
        json.put("operators", saved.stream().map(SavedOperator::toJson).toList());
        json.put("findings", findings.stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", f.severity().name());
            m.put("code", f.code());
            m.put("subject", f.subject());
            m.put("message", f.message());
            return m;
        }).toList());
        return json;
    }
}
