package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.storage.SnapshotInfo;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How the list commands print snapshots: an aligned table for people, or one JSON object each. */
final class SnapshotTable {

    private SnapshotTable() {}

    static void print(List<SnapshotInfo> snapshots, PrintStream out) {
        if (snapshots.isEmpty()) {
            out.println("no snapshots");
            return;
        }
        out.printf("%-10s %-32s %-10s %-24s %10s %-10s %s%n", "KIND", "JOB", "CHECKPOINT", "TIME", "SIZE", "STATE", "PATH");
        for (SnapshotInfo s : snapshots) {
            String job = s.jobId() != null ? s.jobId() : s.jobIdPrefix() != null ? s.jobIdPrefix() + "…" : "-";
            out.printf("%-10s %-32s %-10s %-24s %10s %-10s %s%n", s.kind().name().toLowerCase(), job,
                    s.checkpointId() == null ? "-" : s.checkpointId(), s.time(), SnapshotCommand.bytes(s.sizeBytes()),
                    s.complete() ? "complete" : "INCOMPLETE", s.path());
            if (!s.complete()) {
                out.println("           " + s.problem());
            }
        }
    }

    static Map<String, Object> json(SnapshotInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", s.path());
        m.put("kind", s.kind().name());
        m.put("jobId", s.jobId());
        m.put("jobIdPrefix", s.jobIdPrefix());
        m.put("checkpointId", s.checkpointId());
        m.put("time", s.time().toString());
        m.put("sizeBytes", s.sizeBytes());
        m.put("complete", s.complete());
        m.put("problem", s.problem());
        return m;
    }
}
