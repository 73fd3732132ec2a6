package io.tidemark.cli.drill;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.RestoreCommand;
import io.tidemark.cli.snapshot.ClusterOptions;
import io.tidemark.cli.snapshot.DurationConverter;
import io.tidemark.cli.snapshot.PipelineRestarts;
import io.tidemark.cli.snapshot.SnapshotCommand;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;
import io.tidemark.reconcile.TableReconciliation;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code tidemark drill dr}: rehearses the recovery the spec's savepoints exist for, on a running
 * pipeline: stop its job with a savepoint (the rollback point), stay down while the source keeps
 * changing, restore from the savepoint, and measure what it cost. RPO: how far the source had moved
 * on past the savepoint when the job came back (WAL bytes for PostgreSQL, and time), all of which
 * the restore must replay; RTO: from the restore until every sink equals the source again
 * (reconcile). The restore goes into the pipeline's own sinks, as a real one would.
 */
@Command(
        name = "dr",
        mixinStandardHelpOptions = true,
        description = {
            "Stop the job with a savepoint, stay down for --down-for while the source changes, restore from the"
                    + " savepoint and report RPO (what the restore replays: WAL bytes and time past the savepoint)"
                    + " and RTO (restore until every sink equals the source), with the reconcile.",
            "Exit 0 if the pipeline came back equal within --timeout."})
public final class DisasterRecoveryDrillCommand extends SnapshotCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--job", required = true, paramLabel = "JOB_ID", description = "The running job of this pipeline.")
    String job;

    @Option(names = "--down-for", defaultValue = "0s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long the job stays down before the restore (default: ${DEFAULT-VALUE}).")
    Duration downFor;

    @Option(names = "--timeout", defaultValue = "10m", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long the recovery may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--jar", paramLabel = "JAR", description = "The job jar to upload (default: the jar this CLI runs from).")
    Path jar;

    @Option(names = "--cluster-config", paramLabel = "PATH",
            description = "The pipeline file's path as the cluster's JobManager sees it (default: FILE's absolute path).")
    String clusterConfig;

    @picocli.CommandLine.Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Override
    protected int execute() throws Exception {
        PipelineDef def = PipelineConfigLoader.load(file);
        Path jobJar = RestoreCommand.jobJar(jar, spec);
        String savepoint;
        JobID restored;
        long savedAt;
        long restoredAt;
        OptionalLong bytesBehind;
        try (SnapshotService service = cluster.connect()) {
            PipelineRestarts restarts = new PipelineRestarts(service, def, progress());
            narration().println("stopping job " + job + " with a savepoint (the rollback point)");
            savepoint = restarts.stop(JobID.fromHexString(job), timeout);
            savedAt = System.nanoTime();
            narration().println("    " + savepoint);
            if (!downFor.isZero()) {
                narration().println("down for " + downFor.toSeconds() + " s while the source keeps changing");
                Thread.sleep(downFor.toMillis());
            }
            bytesBehind = PipelineJob.of(def).bytesBehind(savepoint);
            restoredAt = System.nanoTime();
            restored = restarts.restore(savepoint,
                    clusterConfig != null ? clusterConfig : file.toAbsolutePath().toString(), jobJar);
            narration().println("restored as job " + restored + "; waiting until every sink equals the source");
        }
        // keys still in flight settle within a few seconds once the job has caught up, even while the source changes
        ReconcileOptions options = ReconcileOptions.defaults().withSettleTimeout(Duration.ofSeconds(5));
        ReconcileReport report = null;
        long deadline = restoredAt + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            report = new Reconciler(def, options, ReconcileListener.NONE).run();
            if (report.equal()) {
                break;
            }
            Thread.sleep(500);
        }
        Duration rto = Duration.ofNanos(System.nanoTime() - restoredAt);
        Duration downtime = Duration.ofNanos(restoredAt - savedAt);
        boolean recovered = report != null && report.equal();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("savepoint", savepoint);
        result.put("restoredJob", restored.toString());
        result.put("rpoBytes", bytesBehind.isPresent() ? bytesBehind.getAsLong() : null);
        result.put("rpoSeconds", downtime.toMillis() / 1000.0);
        result.put("rtoSeconds", rto.toMillis() / 1000.0);
        result.put("recovered", recovered);
        result.put("tables", report == null ? java.util.List.of()
                : report.tables().stream().map(TableReconciliation::toJson).toList());
        if (json()) {
            printJson(result);
        } else {
            out().println(String.format(Locale.ROOT, "RPO: %s and %.1f s of changes past the savepoint, replayed by the"
                    + " restore", bytesBehind.isPresent() ? String.format(Locale.ROOT, "%,d bytes of WAL",
                            bytesBehind.getAsLong()) : "(lag not known: the savepoint holds no stream position yet, the job"
                            + " was still snapshotting, or the source cannot tell)",
                    downtime.toMillis() / 1000.0));
            out().println(String.format(Locale.ROOT, "RTO: %.1f s from the restore until every sink equals the source",
                    rto.toMillis() / 1000.0));
            if (report != null) {
                for (TableReconciliation t : report.tables()) {
                    out().println((t.equal() ? "EQUAL     " : "DIFFERENT ") + t.table() + " -> " + t.sink());
                }
            }
            out().println("drill " + (recovered ? "PASSED" : "FAILED"));
        }
        if (!recovered) {
            err().println(Main.PREFIX + "the pipeline did not come back equal within " + timeout.toSeconds()
                    + " s; job " + restored + " runs from " + savepoint);
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }
}
