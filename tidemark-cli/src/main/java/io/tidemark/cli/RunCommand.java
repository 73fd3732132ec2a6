package io.tidemark.cli;

import io.tidemark.cli.flink.FailureWatch;
import io.tidemark.cli.flink.FlinkJobs;
import io.tidemark.cli.flink.LocalFlinkCluster;
import io.tidemark.cli.flink.SnapshotProgressWatch;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.cli.snapshot.ClusterOptions;
import io.tidemark.cli.snapshot.DurationConverter;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.snapshot.JobFailure;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.rest.RestSnapshotService;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code tidemark run FILE}: runs a pipeline on a Flink cluster inside this JVM, submitted through
 * its REST API, until Ctrl-C; with {@code --rest-address} submits it to a session cluster instead
 * and returns with the job id. The job is cancelled on Ctrl-C; its last checkpoint is retained (the
 * spec's RETAIN_ON_CANCELLATION) and can be resumed with {@code --from-savepoint}. Each restart is
 * printed with its root cause ({@link FailureWatch}); a cause that comes back {@code
 * --max-same-failures} times in a row stops the job with exit 1 instead of restarting forever.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run a pipeline on an embedded local Flink cluster (Web UI on a loopback port) until Ctrl-C,"
                + " or submit it to a session cluster with --rest-address.")
public final class RunCommand extends TidemarkCommand {

    private static final int SLOTS = 4;
    /**
     * How long the local cluster outlives a job stopped with a savepoint: the {@code tidemark savepoint stop}
     * that stopped it, in another terminal, still reads its result from this cluster's REST API.
     */
    private static final Duration STOPPED_JOB_GRACE = Duration.ofSeconds(5);

    @Parameters(paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(
            names = "--from-savepoint",
            paramLabel = "PATH",
            description = "Restore the job from this savepoint or retained checkpoint (a path or URI).")
    String savepoint;

    @Option(
            names = "--allow-non-restored-state",
            description = "With --from-savepoint: skip state of operators that are no longer in the job.")
    boolean allowNonRestoredState;

    @Option(
            names = "--max-same-failures",
            paramLabel = "N",
            description = "Stop the job and exit 1 once it failed N times in a row with the same cause within"
                    + " --same-failure-window: a permanent error that restarting does not heal (default: ${DEFAULT-VALUE};"
                    + " 0 keeps restarting).")
    int maxSameFailures = 5;

    @Option(
            names = "--same-failure-window",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How far back failures with the same cause count for --max-same-failures (default: 10m).")
    Duration sameFailureWindow = Duration.ofMinutes(10);

    @Option(
            names = "--progress-interval",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How often to print the initial snapshot's progress: rows per table, chunks, rate, time"
                    + " left (default: 10s).")
    Duration progressInterval = Duration.ofSeconds(10);

    @Option(
            names = "--rest-address",
            paramLabel = "URL",
            description = "Submit the pipeline to the Flink session cluster at this REST address (for example one"
                    + " started with `tidemark cluster start`) instead of running it here: the job jar is uploaded, the"
                    + " job id printed on stdout, and the job runs on until cancelled.")
    String restAddress;

    @Option(
            names = "--jar",
            paramLabel = "JAR",
            defaultValue = "${env:" + RestoreCommand.JOB_JAR_ENV + "}",
            description = "With --rest-address: the job jar to upload (default: $" + RestoreCommand.JOB_JAR_ENV
                    + ", else the jar this CLI runs from).")
    Path jar;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    protected int execute() throws Exception {
        if (progressInterval.isNegative() || progressInterval.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--progress-interval must be longer than 0");
        }
        if (maxSameFailures < 0 || sameFailureWindow.isNegative() || sameFailureWindow.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--max-same-failures must be 0 or more and --same-failure-window longer than 0");
        }
        PipelineDef def = PipelineConfigLoader.load(file);
        SavepointRestoreSettings restore = savepoint == null
                ? SavepointRestoreSettings.none()
                : SavepointRestoreSettings.forPath(existingSavepoint(savepoint), allowNonRestoredState);
        if (restAddress != null) {
            return submitToCluster(def, restore);
        }
        return runEmbedded(def, restore);
    }

    /**
     * Runs {@code def} on an embedded cluster, restored as {@code restore} says, until Ctrl-C; also
     * what {@code tidemark restore} does without a REST address.
     */
    int runEmbedded(PipelineDef def, SavepointRestoreSettings restore) throws Exception {
        PrintStream say = narration();
        Path workDir = Files.createTempDirectory("tidemark-run-");
        Path logFile = workDir.resolve("tidemark.log");
        Logging.toFile(logFile);
        say.println("Logs: " + logFile);

        PipelineJob job = PipelineJob.of(def);
        say.println("Checking source " + def.source().tables() + " and preparing " + ConfigCheckCommand.count(def.sinks().size(), "sink") + " ...");
        if (restore.restoreSavepoint()) {
            job.checkResumable(restore.getRestorePath()); // before anything is prepared or started
        }
        job.prepare();

        try (Resources resources = new Resources(
                "tidemark-run",
                () -> say.println(System.lineSeparator() + "Stopping: cancelling the job and stopping Flink ..."),
                () -> say.println("Stopped."))) {
            try {
                return runUntilStopped(def, job, restore, workDir, resources, say);
            } catch (Exception e) {
                if (resources.interrupted()) {
                    return ExitCodes.INTERRUPTED;
                }
                throw e;
            }
        }
    }

    private int runUntilStopped(
            PipelineDef def, PipelineJob job, SavepointRestoreSettings restore, Path workDir, Resources resources, PrintStream say)
            throws Exception {
        LocalFlinkCluster cluster = resources.open("local Flink cluster", () -> LocalFlinkCluster.start(workDir, SLOTS), LocalFlinkCluster::close);
        FlinkJobs jobs = cluster.jobs();
        say.println("Flink Web UI: " + cluster.webUi());
        JobID jobId = resources.open(
                "pipeline job",
                () -> jobs.submit(job.jobGraph(new Configuration(), restore)),
                id -> jobs.cancel(id, Duration.ofSeconds(30)));
        jobs.awaitRunning(jobId, Duration.ofMinutes(2));
        if (json()) {
            Map<String, Object> started = new LinkedHashMap<>();
            started.put("pipeline", def.name());
            started.put("jobId", jobId.toString());
            started.put("webUi", cluster.webUi().toString());
            started.put("restoredFrom", restore.restoreSavepoint() ? restore.getRestorePath() : null);
            printJson(started);
        }
        say.println("Job " + jobId + " (tidemark-" + def.name() + ") is running"
                + (restore.restoreSavepoint() ? ", restored from " + restore.getRestorePath() : "")
                + ". Checkpoints: " + def.checkpointing().checkpointsDir());
        say.println("Press Ctrl-C to stop.");
        RestSnapshotService rest = resources.open("REST client", () -> RestSnapshotService.connect(cluster.webUi()),
                RestSnapshotService::close);
        FailureWatch failures = new FailureWatch(rest, jobId, say::println, maxSameFailures, sameFailureWindow);
        SnapshotProgressWatch snapshot = new SnapshotProgressWatch(rest, jobId, say::println, progressInterval,
                def.source().tables());
        while (true) {
            TimeUnit.SECONDS.sleep(1);
            snapshot.check();
            JobStatus status = jobs.status(jobId);
            if (status == JobStatus.FINISHED) {
                // a streaming pipeline finishes only when stopped with a savepoint (tidemark savepoint stop)
                say.println("Job " + jobId + " was stopped with a savepoint; stopping Flink in "
                        + STOPPED_JOB_GRACE.toSeconds() + "s.");
                TimeUnit.MILLISECONDS.sleep(STOPPED_JOB_GRACE.toMillis());
                return ExitCodes.OK;
            }
            if (status.isGloballyTerminalState()) {
                throw jobs.failure(jobId, status);
            }
            Optional<JobFailure> permanent = failures.check();
            if (permanent.isPresent()) {
                throw new IllegalStateException(failures.gaveUp(permanent.get())); // the job is cancelled on the way out
            }
        }
    }

    /**
     * Submits {@code def} to the session cluster at {@code --rest-address} as {@code tidemark restore}
     * does (the job jar uploaded, {@link PipelineJobMain} run with the pipeline file's absolute path,
     * which a cluster on this machine reads) and prints the job id once the job runs.
     */
    private int submitToCluster(PipelineDef def, SavepointRestoreSettings restore) throws Exception {
        URI rest = ClusterOptions.restAddress(restAddress, spec.commandLine(), "--rest-address");
        if (restore.restoreSavepoint()) {
            PipelineJob.of(def).checkResumable(restore.getRestorePath());
        }
        JobSubmission submission = new JobSubmission(RestoreCommand.jobJar(jar, spec), PipelineJobMain.class.getName(),
                List.of("--config", file.toAbsolutePath().toString()),
                restore.restoreSavepoint() ? restore.getRestorePath() : null, RestoreMode.NO_CLAIM, allowNonRestoredState);
        err().println(Main.PREFIX + "submitting pipeline " + def.name() + " to " + rest
                + (restore.restoreSavepoint() ? ", restored from " + restore.getRestorePath() : ""));
        JobID job;
        try (RestSnapshotService cluster = RestSnapshotService.connect(rest, new Configuration(), RestSnapshotService.DEFAULT_CALL_TIMEOUT)) {
            job = cluster.submit(submission, ProgressListener.NONE);
        }
        if (json()) {
            Map<String, Object> submitted = new LinkedHashMap<>();
            submitted.put("pipeline", def.name());
            submitted.put("jobId", job.toString());
            submitted.put("restAddress", rest.toString());
            submitted.put("restoredFrom", restore.restoreSavepoint() ? restore.getRestorePath() : null);
            printJson(submitted);
        } else {
            out().println(job);
        }
        err().println(Main.PREFIX + "job " + job + " (tidemark-" + def.name() + ") runs on " + rest
                + "; watch it with: tidemark checkpoint status " + job + " --rest-address " + rest);
        return ExitCodes.OK;
    }

    /** A local savepoint must exist; a remote one (s3://...) is checked by Flink when the job starts. */
    private static String existingSavepoint(String path) throws NotFoundException {
        URI uri = URI.create(path.contains("://") || path.startsWith("file:") ? path : Path.of(path).toUri().toString());
        if ("file".equals(uri.getScheme())) {
            Path local = Path.of(uri);
            if (!Files.exists(local)) {
                throw new NotFoundException("savepoint " + path + " does not exist");
            }
            if (Files.isDirectory(local) && !Files.exists(local.resolve("_metadata"))) {
                throw new NotFoundException("savepoint " + path + " has no _metadata file; is it a savepoint or checkpoint directory?");
            }
        }
        return path;
    }
}
