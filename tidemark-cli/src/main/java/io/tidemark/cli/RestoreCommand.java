package io.tidemark.cli;

import io.tidemark.cli.snapshot.ClusterOptions;
import io.tidemark.cli.snapshot.DurationConverter;
import io.tidemark.cli.snapshot.SnapshotCommand;
import io.tidemark.cli.snapshot.StorageOptions;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.source.SourcePositionLostException;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.storage.SnapshotInfo;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tidemark restore PATH}: starts the pipeline job from a savepoint or retained checkpoint,
 * after checking that the path holds a complete snapshot. With a REST address (a session cluster)
 * the job jar is uploaded and run through Flink's REST API and the new job id is printed on stdout
 * (what {@code scripts/restore_from_savepoint.sh} hands on); without one the pipeline runs on an
 * embedded cluster in this process until Ctrl-C, like {@code tidemark run --from-savepoint}.
 */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = "Start the pipeline from a savepoint or retained checkpoint: on the cluster at --rest-address"
                + " (prints the new job id), or embedded in this process until Ctrl-C.")
public final class RestoreCommand extends SnapshotCommand {

    /** The environment variable naming the job jar to upload when {@code --jar} is not given. */
    static final String JOB_JAR_ENV = "TIDEMARK_JOB_JAR";

    @Parameters(paramLabel = "PATH", description = "The savepoint or retained checkpoint, e.g. s3://bucket/savepoints/savepoint-1a2b3c-0123456789ab.")
    String path;

    @Option(
            names = "--claim-mode",
            paramLabel = "MODE",
            defaultValue = "no-claim",
            converter = ClaimModeConverter.class,
            description = "no-claim (default: the job leaves the snapshot alone and takes a full checkpoint first)"
                    + " or claim (the job owns the snapshot and may delete it).")
    RestoreMode claimMode = RestoreMode.NO_CLAIM;

    @Option(
            names = "--allow-non-restored-state",
            description = "Skip state of operators that are no longer in the job (after removing one on purpose).")
    boolean allowNonRestoredState;

    @Option(
            names = "--jar",
            paramLabel = "JAR",
            defaultValue = "${env:" + JOB_JAR_ENV + "}",
            description = "The job jar to upload to the session cluster (default: $" + JOB_JAR_ENV
                    + ", else the jar this CLI runs from).")
    Path jar;

    @Option(
            names = "--cluster-config",
            paramLabel = "PATH",
            description = "The pipeline file's path as the cluster's JobManager sees it (default: the --config"
                    + " file's absolute path, for a cluster on this machine or a shared volume).")
    String clusterConfig;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "3m",
            converter = DurationConverter.class,
            description = "How long to wait for the job to run (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofMinutes(3);

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Override
    protected int execute() throws Exception {
        Path file = storage.pipelineFile();
        if (file == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing --config FILE (or set " + StorageOptions.PIPELINE_ENV + "): the pipeline to restore");
        }
        PipelineDef def = PipelineConfigLoader.load(file);
        String restorePath = checkedSnapshot();
        if (!cluster.given()) {
            RunCommand run = new RunCommand();
            run.attach(terminal());
            run.common = common;
            return run.runEmbedded(def, SavepointRestoreSettings.forPath(restorePath, allowNonRestoredState, claimMode));
        }
        checkResumable(def, restorePath);
        // the operator target restarts the FlinkDeployment's own job; it takes no jar
        Path jobJar = cluster.kubernetes() ? Path.of("(the FlinkDeployment's jarURI)") : jobJar();
        JobSubmission submission = new JobSubmission(jobJar, PipelineJobMain.class.getName(),
                List.of("--config", clusterConfig != null ? clusterConfig : file.toAbsolutePath().toString()),
                restorePath, claimMode, allowNonRestoredState);
        JobID job;
        try (SnapshotService service = cluster.connect()) {
            err().println(Main.PREFIX + "restoring pipeline " + def.name() + " from " + restorePath);
            job = service.submit(submission, progress());
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pipeline", def.name());
            m.put("jobId", job.toString());
            m.put("restoredFrom", restorePath);
            m.put("claimMode", claimMode.name());
            printJson(m);
        } else {
            out().println(job);
        }
        return ExitCodes.OK;
    }

    /**
     * The snapshot's path once storage shows it complete. Nothing there, no {@code _metadata} or an
     * unreadable one stops the restore before a job is touched. Storage this process cannot reach
     * (no S3 credentials here, say, while the cluster has them) is left for the cluster to check,
     * with a warning.
     */
    /** Whether this process could read the snapshot, and so the source position in it. */
    private boolean snapshotReadableHere;

    private String checkedSnapshot() throws Exception {
        try {
            SnapshotInfo snapshot = storage.storage().inspect(path);
            snapshotReadableHere = true;
            err().println(Main.PREFIX + path + " holds a complete " + snapshot.kind().name().toLowerCase()
                    + " (checkpoint " + snapshot.checkpointId() + ", " + bytes(snapshot.sizeBytes()) + ")");
            return snapshot.path();
        } catch (IOException e) {
            err().println(Main.PREFIX + "warning: cannot check " + path + " from here (" + oneLine(e)
                    + "); the cluster will check it when the job starts");
            return path;
        }
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message).strip();
    }

    private Path jobJar() throws NotFoundException {
        return jobJar(jar, spec);
    }

    /** The job jar to upload: {@code jar} if given, else the jar this CLI runs from. */
    public static Path jobJar(Path jar, CommandSpec spec) throws NotFoundException {
        Path candidate = jar;
        if (candidate == null) {
            try {
                candidate = Path.of(PipelineJobMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (Exception e) {
                candidate = null;
            }
            if (candidate == null || !Files.isRegularFile(candidate)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "missing --jar JAR (or set " + JOB_JAR_ENV + "): the job jar to upload to the cluster");
            }
        }
        if (!Files.isRegularFile(candidate)) {
            throw new NotFoundException("--jar: " + candidate + " is not a file; build it with ./mvnw package");
        }
        return candidate;
    }

    /** {@code claim}, {@code no-claim} (Flink's CLI spelling) or {@code legacy}. */
    static final class ClaimModeConverter implements CommandLine.ITypeConverter<RestoreMode> {
        @Override
        public RestoreMode convert(String value) {
            return switch (value.strip().toLowerCase().replace('_', '-')) {
                case "claim" -> RestoreMode.CLAIM;
                case "no-claim" -> RestoreMode.NO_CLAIM;
                case "legacy" -> RestoreMode.LEGACY;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a claim mode; use claim or no-claim");
            };
        }
    }

    /**
     * Refuses a restore whose source position is gone before any job starts. A source this process
     * cannot check (not reachable from here, or its password only set where the job runs, as with
     * the operator) is left to the job, which checks the slot again when it starts on the cluster.
     */
    private void checkResumable(PipelineDef def, String restorePath) throws Exception {
        try {
            if (snapshotReadableHere) {
                PipelineJob.of(def).checkResumable(restorePath);
            } else {
                PipelineJob.of(def).checkResumable();
            }
        } catch (SourcePositionLostException e) {
            throw e;
        } catch (Exception e) {
            err().println(Main.PREFIX + "warning: cannot check from here that the source still holds the"
                    + " snapshot's position (" + oneLine(e) + "); the job checks its slot when it starts");
        }
    }
}
