package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.PipelineDef;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/**
 * A pipeline ready to run: its definition, its composition, and the Flink configuration derived
 * from {@code pipeline.yaml} (the spec's checkpointing keys). Produces the job graph that a
 * cluster client submits, optionally restoring from a savepoint or retained checkpoint.
 */
public final class PipelineJob {

    private final PipelineDef def;
    private final PipelineComposer composer;

    public PipelineJob(PipelineDef def, PipelineComposer composer) {
        this.def = def;
        this.composer = composer;
    }

    public static PipelineJob of(PipelineDef def) {
        return new PipelineJob(def, PipelineComposer.of(def));
    }

    public PipelineDef def() {
        return def;
    }

    public PipelineComposer composer() {
        return composer;
    }

    /** The Flink configuration keys the pipeline definition sets, with the spec's names. */
    public static Configuration flinkConfiguration(PipelineDef def) {
        CheckpointingDef cp = def.checkpointing();
        Configuration conf = new Configuration();
        conf.set(duration("execution.checkpointing.interval"), cp.interval());
        conf.set(duration("execution.checkpointing.timeout"), cp.timeout());
        conf.set(duration("execution.checkpointing.min-pause"), cp.minPause());
        conf.set(string("execution.checkpointing.externalized-checkpoint-retention"), cp.externalizedRetention().name());
        conf.set(string("execution.checkpointing.mode"), "EXACTLY_ONCE");
        conf.set(string("state.checkpoints.dir"), cp.checkpointsDir());
        conf.set(string("state.savepoints.dir"), cp.savepointsDir());
        conf.set(ConfigOptions.key("parallelism.default").intType().noDefaultValue(), def.parallelism());
        conf.set(string("pipeline.name"), "tidemark-" + def.name());
        return conf;
    }

    /**
     * Before a job resumes from a checkpoint or savepoint: checks that the source still holds the
     * changes after it (see {@link io.tidemark.pipeline.source.ChangeSource#checkResumable()}).
     */
    public void checkResumable() throws Exception {
        composer.source().checkResumable();
    }

    /**
     * {@link #checkResumable()}, also against the position the source resumes from in the savepoint
     * or checkpoint at {@code restorePath} (read from its state).
     */
    public void checkResumable(String restorePath) throws Exception {
        composer.source().checkResumable(restorePath, OperatorUids.SOURCE);
    }

    /**
     * How far the source has moved on since the savepoint or checkpoint at {@code restorePath} (see
     * {@link io.tidemark.pipeline.source.ChangeSource#bytesBehind}): what a restore from it replays.
     */
    public java.util.OptionalLong bytesBehind(String restorePath) throws Exception {
        return composer.source().bytesBehind(restorePath, OperatorUids.SOURCE);
    }

    /** Checks and prepares the source and the sinks; run once before submitting. */
    public void prepare() throws Exception {
        composer.source().prepare();
        composer.prepareSinks(composer.source().primaryKeys());
    }

    /** The job graph, with extra configuration (e.g. a restart strategy) layered on top. */
    public JobGraph jobGraph(Configuration extra, SavepointRestoreSettings restore) {
        Configuration conf = flinkConfiguration(def);
        conf.addAll(extra);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        composer.compose(env);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        graph.setSavepointRestoreSettings(restore);
        return graph;
    }

    private static org.apache.flink.configuration.ConfigOption<Duration> duration(String key) {
        return ConfigOptions.key(key).durationType().noDefaultValue();
    }

    private static org.apache.flink.configuration.ConfigOption<String> string(String key) {
        return ConfigOptions.key(key).stringType().noDefaultValue();
    }
}
