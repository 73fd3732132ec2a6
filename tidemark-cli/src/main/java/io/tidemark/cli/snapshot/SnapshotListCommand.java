package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.storage.SnapshotInfo;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists snapshots found in storage, whoever wrote them (Tidemark, the Flink CLI, the operator):
 * the shared part of {@code savepoint list} and {@code checkpoint list}.
 */
abstract class SnapshotListCommand extends SnapshotCommand {

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Only snapshots of this job (a savepoint matches on the 6-digit job prefix in its name).")
    String job;

    /** The directories to look in. */
    abstract List<String> roots() throws Exception;

    /** Whether a snapshot of this kind belongs in the listing. */
    abstract boolean lists(SnapshotKind kind);

    @Override
    protected int execute() throws Exception {
        List<String> roots = roots();
        String wanted = job == null ? null : jobId(job).toString();
        List<SnapshotInfo> snapshots = storage.storage().list(roots).stream()
                .filter(s -> lists(s.kind()))
                .filter(s -> wanted == null || wanted.equals(s.jobId())
                        || (s.jobId() == null && s.jobIdPrefix() != null && wanted.startsWith(s.jobIdPrefix())))
                .toList();
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("directories", roots);
            m.put("snapshots", snapshots.stream().map(SnapshotTable::json).toList());
            printJson(m);
        } else {
            SnapshotTable.print(snapshots, out());
        }
        return ExitCodes.OK;
    }
}
