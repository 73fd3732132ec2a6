package io.tidemark.cli.schema;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.RestoreCommand;
import io.tidemark.cli.snapshot.ClusterOptions;
import io.tidemark.cli.snapshot.DurationConverter;
import io.tidemark.cli.snapshot.PipelineRestarts;
import io.tidemark.cli.snapshot.SnapshotCommand;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.sink.jdbc.writer.DeadLetterReplayer;
import io.tidemark.reconcile.Connections;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;
import io.tidemark.reconcile.TableReconciliation;
import io.tidemark.reconcile.sql.DatabaseSide;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;

/**
 * {@code tidemark schema-change FILE --job ID}: the spec's schema-change procedure in one command,
 * after the source's tables changed. Plans what the JDBC sinks need (added columns, widened types)
 * and refuses a change that cannot be applied safely before anything is stopped; then stops the job
 * with a savepoint, changes the sinks, restores the job from the savepoint, replays the changes the
 * sinks rejected while they lacked the new columns, and reconciles the changed tables.
 */
@Command(
        name = "schema-change",
        mixinStandardHelpOptions = true,
        description = {
            "After the source's tables changed: add the new columns to the JDBC sinks and widen the widened ones,"
                    + " by the spec's procedure: stop the job with a savepoint, change the sinks, restore the job"
                    + " from the savepoint, replay what the sinks rejected meanwhile, reconcile the changed tables.",
            "A change that cannot be applied safely (a type no widening holds, a changed primary key) stops it"
                    + " before the job is touched (exit 6). --dry-run prints the plan only.",
            "Exit code 0: applied and every changed table equal; 1: applied, but a table differs; 6: refused."})
public final class SchemaChangeCommand extends SnapshotCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "The running job of this pipeline (required unless --dry-run).")
    String job;

    @Option(names = "--dry-run", description = "Print the plan and stop; change nothing.")
    boolean dryRun;

    @Option(names = "--jar", paramLabel = "JAR", description = "The job jar to upload when the job restarts (default: the jar this CLI runs from).")
    Path jar;

    @Option(names = "--cluster-config", paramLabel = "PATH",
            description = "The pipeline file's path as the cluster's JobManager sees it (default: FILE's absolute path).")
    String clusterConfig;

    @Option(names = "--settle-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "60s",
            description = "How long the final reconcile re-reads differing keys (default: ${DEFAULT-VALUE}).")
    Duration settleTimeout;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "How long to wait for the savepoint and for the restored job (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Override
    protected int execute() throws Exception {
        PipelineDef def = PipelineConfigLoader.load(file);
        SchemaPlan plan = SchemaPlanner.plan(def);
        if (json() && (dryRun || plan.blocked() || plan.empty())) {
            printJson(plan.toJson());
        } else {
            print(plan);
        }
        if (plan.blocked()) {
            err().println(Main.PREFIX + "refused: the source's change cannot be applied to the sinks safely;"
                    + " nothing was stopped or changed");
            return ExitCodes.INCOMPATIBLE_STATE;
        }
        if (plan.empty()) {
            narration().println("the sinks already hold every source column: nothing to change");
            return ExitCodes.OK;
        }
        if (dryRun) {
            return ExitCodes.OK;
        }
        if (job == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "missing --job JOB_ID: the running job of pipeline " + def.name() + " (or --dry-run)");
        }
        Path jobJar = RestoreCommand.jobJar(jar, spec);
        String savepoint;
        JobID restored;
        try (SnapshotService service = cluster.connect()) {
            PipelineRestarts restarts = new PipelineRestarts(service, def, progress());
            narration().println("1/5 stopping job " + job + " with a savepoint");
            savepoint = restarts.stop(JobID.fromHexString(job), timeout);
            narration().println("    savepoint: " + savepoint);
            narration().println("2/5 changing the sinks");
            try {
                apply(def, plan);
            } catch (SQLException e) {
                throw new IllegalStateException("a sink refused a statement (" + e.getMessage().lines().findFirst()
                        .orElse("") + "); the job is stopped: fix the sink, then tidemark restore " + savepoint, e);
            }
            narration().println("3/5 restoring the job from the savepoint");
            restored = restarts.restore(savepoint,
                    clusterConfig != null ? clusterConfig : file.toAbsolutePath().toString(), jobJar);
            narration().println("    job " + restored);
        }
        narration().println("4/5 replaying the changes the sinks rejected meanwhile");
        for (SinkDef sink : def.sinks()) {
            if (sink instanceof JdbcSinkDef jdbc && def.deadLetterQueue().enabled()) {
                for (String table : plan.changedTables()) {
                    DeadLetterFilter filter = DeadLetterFilter.pending().withSink(sink.name());
                    filter = new DeadLetterFilter(filter.sink(), Optional.of(table), filter.rowKey(), filter.errorClass(),
                            filter.from(), filter.to(), false);
                    try (DeadLetterReplayer replayer = DeadLetterReplayer.of(def, jdbc)) {
                        ReplaySummary summary = replayer.replay(filter);
                        narration().println("    sinks." + sink.name() + " " + table + ": " + summary.total().applied()
                                + " applied, " + summary.total().skipped() + " skipped, "
                                + summary.total().stillRejected() + " still rejected");
                    }
                }
            }
        }
        narration().println("5/5 reconciling the changed tables");
        ReconcileReport report = new Reconciler(def, ReconcileOptions.defaults()
                .withTables(new ArrayList<>(plan.changedTables())).withSettleTimeout(settleTimeout),
                ReconcileListener.NONE).run();
        for (TableReconciliation t : report.tables()) {
            out().println((t.equal() ? "EQUAL     " : "DIFFERENT ") + t.table() + " -> " + t.sink()
                    + (t.equal() ? "" : ": " + t.missing() + " missing, " + t.extra() + " extra, " + t.different()
                            + " different"));
            t.differences().stream().limit(5).forEach(d -> out().println("    " + d.describe()));
        }
        if (json()) {
            printJson(java.util.Map.of("plan", plan.toJson(), "savepoint", savepoint, "jobId", restored.toString(),
                    "tables", report.tables().stream().map(TableReconciliation::toJson).toList()));
        }
        if (!report.equal()) {
            err().println(Main.PREFIX + "the schema change was applied and job " + restored + " runs, but a changed"
                    + " table differs: see tidemark reconcile and docs/runbooks/data-corruption.md");
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    private void print(SchemaPlan plan) {
        for (SchemaPlan.SinkStatements sink : plan.sinks()) {
            for (String statement : sink.statements()) {
                out().println("sinks." + sink.sink() + ": " + statement);
            }
        }
        plan.findings().forEach(f -> out().println(f.describe()));
    }

    /** Every sink's statements; on PostgreSQL in one transaction (its DDL is transactional). */
    private static void apply(PipelineDef def, SchemaPlan plan) throws SQLException {
        for (SchemaPlan.SinkStatements statements : plan.sinks()) {
            if (statements.statements().isEmpty()) {
                continue;
            }
            JdbcSinkDef sink = (JdbcSinkDef) def.sinks().stream().filter(s -> s.name().equals(statements.sink()))
                    .findFirst().orElseThrow();
            try (DatabaseSide side = Connections.sink(sink)) {
                Connection c = side.connectionForSetup();
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    for (String sql : statements.statements()) {
                        st.execute(sql);
                    }
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                }
            }
        }
    }
}
