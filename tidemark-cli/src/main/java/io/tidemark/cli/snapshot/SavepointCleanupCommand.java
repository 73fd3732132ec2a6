package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.kubernetes.operator.OperatorSnapshotService;
import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.retention.CleanupReport;
import io.tidemark.snapshot.retention.RetentionPlan;
import io.tidemark.snapshot.retention.RetentionPolicy;
import io.tidemark.snapshot.retention.RetentionRules;
import io.tidemark.snapshot.retention.SnapshotCleaner;
import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.storage.SnapshotStorage;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tidemark savepoint cleanup --keep-last N --max-age D}: deletes old savepoints (and, with
 * {@code --include-checkpoints}, old retained checkpoints) exactly and safely. The rules are keep
 * rules ({@link RetentionPolicy}): the snapshot a running job restored from, a running job's own
 * checkpoints and the newest complete snapshot are never deleted. Which snapshots running jobs use
 * is asked from the cluster (REST, or the operator's FlinkDeployment with {@code --target
 * kubernetes}), so a cluster is required unless {@code --offline} says that no job runs. Snapshots are deleted one at a time, {@code _metadata} first.
 */
@Command(
        name = "cleanup",
        mixinStandardHelpOptions = true,
        description = "Delete savepoints outside the retention rules; never the one a running job restored from or"
                + " the newest complete one. Reports what it deleted and the bytes freed.")
public final class SavepointCleanupCommand extends SnapshotCommand {

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest complete snapshots.")
    Integer keepLast;

    @Option(
            names = "--max-age",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Keep snapshots younger than this, e.g. 7d or 12h.")
    Duration maxAge;

    @Option(
            names = "--incomplete",
            description = "Delete only abandoned snapshots: incomplete ones (no _metadata Flink can read) older than"
                    + " 1h, which Flink is no longer writing; keep every complete one. Instead of --keep-last/--max-age.")
    boolean incomplete;

    @Option(names = "--dry-run", description = "Show what would be deleted; delete nothing.")
    boolean dryRun;

    @Option(names = "--include-checkpoints", description = "Also clean up retained checkpoints in the checkpoint directory.")
    boolean includeCheckpoints;

    @Option(
            names = "--offline",
            description = "No cluster to ask: you assert that no running job uses these snapshots.")
    boolean offline;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    StorageOptions storageOptions = new StorageOptions();

    @Override
    protected int execute() throws Exception {
        if (incomplete && (keepLast != null || maxAge != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--incomplete keeps every complete snapshot: give it without --keep-last and --max-age");
        }
        if (!incomplete && keepLast == null && maxAge == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give --keep-last N, --max-age DURATION or both (snapshots either rule keeps are kept),"
                            + " or --incomplete (abandoned snapshots only)");
        }
        if (keepLast != null && keepLast < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keep-last: must be 0 or more, not " + keepLast);
        }
        if (!offline && !cluster.given()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing --rest-address URL (or set "
                    + ClusterOptions.REST_ADDRESS_ENV + "), or --target kubernetes --deployment NAME, to learn which snapshots"
                    + " running jobs use;"
                    + " --offline if no job runs");
        }
        List<String> roots = new ArrayList<>();
        roots.add(storageOptions.savepointDirectory());
        if (includeCheckpoints) {
            roots.add(storageOptions.checkpointDirectory());
        }
        SnapshotStorage storage = storageOptions.storage();
        List<SnapshotInfo> snapshots = storage.list(roots).stream()
                .filter(s -> includeCheckpoints || s.kind() == SnapshotKind.SAVEPOINT)
                .toList();
        Set<String> inUse = offline ? Set.of() : inUse(snapshots);
        RetentionRules rules = incomplete ? RetentionRules.abandonedOnly() : new RetentionRules(keepLast, maxAge);
        RetentionPlan plan = RetentionPolicy.plan(snapshots, rules, inUse, Instant.now());
        CleanupReport report = new SnapshotCleaner(storage).apply(plan, dryRun);
        if (json()) {
            printJson(json(plan, report));
        } else {
            print(plan, report);
        }
        if (!report.succeeded()) {
            err().println(Main.PREFIX + report.failures().size() + " snapshot(s) could not be deleted; see above");
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    /**
     * The snapshots running jobs depend on: what each restored from, its latest checkpoint and
     * savepoint, and every checkpoint under its job id (Flink's own to manage).
     */
    private Set<String> inUse(List<SnapshotInfo> snapshots) throws Exception {
        Set<String> paths = new HashSet<>();
        try (SnapshotService service = cluster.connect()) {
            if (service instanceof OperatorSnapshotService operator) {
                paths.addAll(operator.pathsInUse());
            }
            for (JobSummary job : service.jobs()) {
                if (job.status().isGloballyTerminalState()) {
                    continue;
                }
                for (SnapshotInfo s : snapshots) {
                    if (job.id().toString().equals(s.jobId())) {
                        paths.add(s.path());
                    }
                }
                if (cluster.kubernetes()) {
                    continue; // the Kubernetes API has no checkpoint statistics; pathsInUse() covered them
                }
                CheckpointStatus status = service.checkpointStatus(job.id());
                if (status.restored() != null && status.restored().externalPath() != null) {
                    paths.add(status.restored().externalPath());
                }
                if (status.latestCompleted() != null && status.latestCompleted().externalPath() != null) {
                    paths.add(status.latestCompleted().externalPath());
                }
            }
        }
        return paths;
    }

    private void print(RetentionPlan plan, CleanupReport report) {
        PrintStream out = out();
        for (RetentionPlan.Keep keep : plan.kept()) {
            out.println("keep    " + keep.snapshot().path() + " (" + keep.reasons().stream()
                    .map(r -> r.description()).reduce((a, b) -> a + ", " + b).orElse("") + ")");
        }
        String verb = dryRun ? "would delete " : "deleted ";
        for (CleanupReport.Deleted d : report.deleted()) {
            out.println(verb + d.snapshot().path() + " (" + bytes(d.bytesFreed())
                    + (d.snapshot().complete() ? "" : "; incomplete: " + d.snapshot().problem()) + ")");
        }
        for (CleanupReport.Skipped s : report.skipped()) {
            out.println("skipped " + s.snapshot().path() + ": " + s.why());
        }
        for (CleanupReport.Failure f : report.failures()) {
            err().println(Main.PREFIX + "cannot delete " + f.snapshot().path() + ": " + f.message());
        }
        out.println((dryRun ? "would free " : "freed ") + bytes(report.bytesFreed()) + " in " + report.deleted().size()
                + " snapshot(s); kept " + plan.kept().size());
    }

    private Map<String, Object> json(RetentionPlan plan, CleanupReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dryRun", dryRun);
        m.put("kept", plan.kept().stream().map(k -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", k.snapshot().path());
            e.put("reasons", k.reasons().stream().map(Enum::name).toList());
            return e;
        }).toList());
        m.put("deleted", report.deleted().stream().map(d -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", d.snapshot().path());
            e.put("bytesFreed", d.bytesFreed());
            e.put("complete", d.snapshot().complete());
            e.put("problem", d.snapshot().problem());
            return e;
        }).toList());
        m.put("skipped", report.skipped().stream().map(s -> Map.of("path", s.snapshot().path(), "why", s.why())).toList());
        m.put("failures", report.failures().stream().map(f -> Map.of("path", f.snapshot().path(), "message", f.message())).toList());
        m.put("bytesFreed", report.bytesFreed());
        return m;
    }
}
