package io.tidemark.cli.snapshot;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.snapshot.storage.SnapshotStorage;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.GlobalConfiguration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where snapshots are stored and how to reach that storage. The directories come from the pipeline
 * file's {@code checkpointing} section ({@code --config} or {@code $TIDEMARK_PIPELINE}) unless given
 * with {@code --savepoint-dir}/{@code --checkpoint-dir}. File system options (for S3: endpoint,
 * path-style access) come from Flink's configuration in {@code $FLINK_CONF_DIR} and {@code -D};
 * S3 credentials are best left to {@code $FLINK_CONF_DIR} or the {@code AWS_*} environment, not the
 * command line, where other users can see them.
 */
public final class StorageOptions {

    /** The environment variable that names the pipeline file when {@code --config} is not given. */
    public static final String PIPELINE_ENV = "TIDEMARK_PIPELINE";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            defaultValue = "${env:" + PIPELINE_ENV + "}",
            description = "The pipeline file whose checkpointing section names the savepoint and checkpoint"
                    + " directories (default: $" + PIPELINE_ENV + ").")
    Path pipelineFile;

    @Option(names = "--savepoint-dir", paramLabel = "DIR", description = "The savepoint directory, e.g. s3://bucket/savepoints.")
    String savepointDir;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "The checkpoint directory, e.g. s3://bucket/checkpoints.")
    String checkpointDir;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "A Flink option for the file systems, e.g. -D s3.endpoint=http://minio:9000"
                    + " -D s3.path.style.access=true (added to $FLINK_CONF_DIR's configuration).")
    Map<String, String> flinkOptions = new LinkedHashMap<>();

    private CheckpointingDef checkpointing;

    /** Flink's configuration: {@code $FLINK_CONF_DIR}'s file if set, then the {@code -D} options. */
    public Configuration flinkConfiguration() {
        return flinkConfiguration(flinkOptions);
    }

    /** Flink's configuration: {@code $FLINK_CONF_DIR}'s file if set, then {@code options}. */
    public static Configuration flinkConfiguration(Map<String, String> options) {
        String confDir = System.getenv(ConfigConstants.ENV_FLINK_CONF_DIR);
        Configuration conf = confDir == null || confDir.isBlank()
                ? new Configuration()
                : GlobalConfiguration.loadConfiguration(confDir);
        options.forEach(conf::setString);
        return conf;
    }

    /** The storage, with Flink's file systems (and plugins, such as S3) initialized for this process. */
    public SnapshotStorage storage() {
        return SnapshotStorage.create(flinkConfiguration());
    }

    public String savepointDirectory() throws ConfigException {
        return savepointDir != null ? savepointDir : checkpointing("--savepoint-dir").savepointsDir();
    }

    public String checkpointDirectory() throws ConfigException {
        return checkpointDir != null ? checkpointDir : checkpointing("--checkpoint-dir").checkpointsDir();
    }

    /**
     * The savepoint directory if one is known (from {@code --savepoint-dir} or a pipeline file),
     * else {@code null}: a savepoint then goes to the cluster's default directory.
     */
    public String savepointDirectoryIfKnown() throws ConfigException {
        return savepointDir != null || pipelineFile != null ? savepointDirectory() : null;
    }

    /** Both directories that exist in the configuration: savepoints first. */
    public List<String> allDirectories() throws ConfigException {
        List<String> dirs = new ArrayList<>();
        dirs.add(savepointDirectory());
        dirs.add(checkpointDirectory());
        return dirs;
    }

    /** The pipeline file, if one was given (restore needs it). */
    public Path pipelineFile() {
        return pipelineFile;
    }

    private CheckpointingDef checkpointing(String option) throws ConfigException {
        if (checkpointing == null) {
            if (pipelineFile == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "missing " + option
                        + " DIR or --config FILE (or set " + PIPELINE_ENV + ") to say where snapshots are stored");
            }
            checkpointing = PipelineConfigLoader.load(pipelineFile).checkpointing();
        }
        return checkpointing;
    }
}
