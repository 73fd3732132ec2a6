package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.kubernetes.operator.OperatorSnapshot;
import io.tidemark.kubernetes.operator.OperatorSnapshotService;
import io.tidemark.snapshot.JobObserver;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.storage.SnapshotPaths;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.HashMap;
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

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Only snapshots of this job (a savepoint the cluster no"
            + " longer records matches on the 6-digit job prefix in its name).")
    String job;

    /** With the operator target: the FlinkStateSnapshot resources that lists kinds this command lists. */
    private List<OperatorSnapshot> operatorSnapshots() throws Exception {
        if (!cluster.kubernetes()) {
            return List.of();
        }
        try (SnapshotService service = cluster.connect()) {
            return ((OperatorSnapshotService) service).listSnapshots().stream().filter(r -> lists(r.kind())).toList();
        }
    }

    private static Map<String, Object> json(OperatorSnapshot r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("kind", r.kind().name());
        m.put("state", r.state() == null ? null : r.state().name());
        m.put("path", r.path());
        m.put("created", r.created() == null ? null : r.created().toString());
        m.put("triggerType", String.valueOf(r.triggerType()));
        m.put("error", r.error());
        m.put("createdByTidemark", r.createdByTidemark());
        return m;
    }

    /**
     * The snapshots with their whole job id where the cluster at {@code --rest-address} still
     * records them (a savepoint's directory names only the first 6 hex digits, its {@code _metadata}
     * none). A cluster that cannot be asked leaves the prefixes, and says so.
     */
    private List<SnapshotInfo> withJobIds(List<SnapshotInfo> snapshots) {
        if (!cluster.given() || cluster.kubernetes() || snapshots.stream().allMatch(s -> s.jobId() != null)) {
            return snapshots;
        }
        Map<String, String> jobOf = new HashMap<>();
        try (SnapshotService service = cluster.connect()) {
            if (!(service instanceof JobObserver observer)) {
                return snapshots;
            }
            for (JobSummary summary : service.jobs()) {
                try {
                    observer.snapshotPaths(summary.id())
                            .forEach(path -> jobOf.put(SnapshotPaths.normalize(path), summary.id().toString()));
                } catch (Exception e) {
                    // a finished job whose statistics the cluster no longer serves: its savepoints keep their prefix
                }
            }
        } catch (Exception e) {
            err().println(Main.PREFIX + "warning: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                    + "; savepoints show the first 6 digits of their job id only");
            return snapshots;
        }
        return snapshots.stream().map(s -> {
            String id = s.jobId() == null ? jobOf.get(SnapshotPaths.normalize(s.path())) : null;
            return id != null && (s.jobIdPrefix() == null || id.startsWith(s.jobIdPrefix())) ? s.withJobId(id) : s;
        }).toList();
    }

    /** The directories to look in. */
    abstract List<String> roots() throws Exception;

    /** Whether a snapshot of this kind belongs in the listing. */
    abstract boolean lists(SnapshotKind kind);

    @Override
    protected int execute() throws Exception {
        List<String> roots = roots();
        String wanted = job == null ? null : jobId(job).toString();
        List<SnapshotInfo> snapshots = withJobIds(storage.storage().list(roots).stream()
                .filter(s -> lists(s.kind()))
                .toList()).stream()
                .filter(s -> wanted == null || wanted.equals(s.jobId())
                        || (s.jobId() == null && s.jobIdPrefix() != null && wanted.startsWith(s.jobIdPrefix())))
                .toList();
        List<OperatorSnapshot> resources = operatorSnapshots();
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("directories", roots);
            m.put("snapshots", snapshots.stream().map(SnapshotTable::json).toList());
            if (cluster.kubernetes()) {
                m.put("flinkStateSnapshots", resources.stream().map(SnapshotListCommand::json).toList());
            }
            printJson(m);
        } else {
            SnapshotTable.print(snapshots, out());
            if (cluster.kubernetes()) {
                out().println();
                out().println("FlinkStateSnapshot resources of the deployment: " + (resources.isEmpty() ? "none" : ""));
                for (OperatorSnapshot r : resources) {
                    out().printf("%-10s %-40s %-12s %-10s %-24s %s%n", r.kind().name().toLowerCase(), r.name(),
                            r.state() == null ? "-" : r.state(), r.triggerType(), r.created() == null ? "-" : r.created(),
                            r.path() == null ? (r.error() == null ? "" : r.error()) : r.path());
                }
            }
        }
        return ExitCodes.OK;
    }
}
