package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.source.SourcePositionLostException;

import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The entry point of a Tidemark job on a Flink cluster in application mode (for example a
 * FlinkDeployment of the Flink Kubernetes Operator): {@code --config /path/pipeline.yaml}. The
 * cluster's configuration wins: the spec defines checkpointing in the FlinkDeployment's
 * {@code flinkConfiguration}, so the pipeline file's {@code checkpointing} values (and parallelism)
 * only fill in what the cluster leaves unset. A pipeline file without a {@code checkpoints-dir}
 * therefore never sends a FlinkDeployment's checkpoints to a pod's local disk.
 */
public final class PipelineJobMain {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineJobMain.class);

    private PipelineJobMain() {}

    public static void main(String[] args) throws Exception {
        PipelineDef def = PipelineConfigLoader.load(configFile(args));
        PipelineJob job = PipelineJob.of(def);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration cluster = clusterConfiguration();
        env.configure(jobConfiguration(def, cluster));
        Optional<String> savepoint = cluster.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
        if (savepoint.isPresent()) {
            checkBeforeRestore(job, savepoint.get()); // a restore must not skip changes the source no longer holds
        }
        job.prepare();
        job.composer().compose(env);
        env.execute("tidemark-" + def.name());
    }

    /**
     * Checks that the source still holds what the restore needs: against the position the savepoint
     * resumes from (the job's process reads the savepoint as the cluster does), or, where the
     * savepoint cannot be read here, the source's own state only (for PostgreSQL its slot).
     */
    static void checkBeforeRestore(PipelineJob job, String savepoint) throws Exception {
        try {
            job.checkResumable(savepoint);
        } catch (SourcePositionLostException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("Cannot read the source position of savepoint {} here ({}); checking the source only",
                    savepoint, e.toString());
            job.checkResumable();
        }
    }

    /** Keys the pipeline sets that the cluster may set under another (1.20 or deprecated) name. */
    private static final Map<String, List<String>> SAME_SETTING = Map.of(
            "state.checkpoints.dir", List.of("execution.checkpointing.dir"),
            "state.savepoints.dir", List.of("execution.checkpointing.savepoint-dir"),
            "execution.checkpointing.externalized-checkpoint-retention",
                    List.of("execution.checkpointing.externalized-checkpoint-retention", "state.checkpoints.externalized-checkpoint-retention"));

    /** The cluster's configuration as Flink's own processes read it ({@code $FLINK_CONF_DIR}); empty without one. */
    static Configuration clusterConfiguration() {
        String dir = System.getenv(ConfigConstants.ENV_FLINK_CONF_DIR);
        return dir == null || dir.isBlank() ? new Configuration() : GlobalConfiguration.loadConfiguration(dir);
    }

    /** The pipeline file's Flink settings that {@code cluster} does not set itself. */
    static Configuration jobConfiguration(PipelineDef def, Configuration cluster) {
        Configuration effective = new Configuration();
        PipelineJob.flinkConfiguration(def).toMap().forEach((key, value) -> {
            boolean setByCluster = cluster.containsKey(key)
                    || SAME_SETTING.getOrDefault(key, List.of()).stream().anyMatch(cluster::containsKey);
            if (!setByCluster) {
                effective.setString(key, value);
            }
        });
        return effective;
    }

    /** The value of {@code --config FILE} or {@code --config=FILE}. */
    static Path configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        throw new IllegalArgumentException("missing --config FILE; usage: PipelineJobMain --config /path/pipeline.yaml");
    }
}
