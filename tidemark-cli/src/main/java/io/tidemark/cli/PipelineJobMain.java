package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;

/**
 * The entry point of a Tidemark job on a Flink cluster in application mode (for example a
 * FlinkDeployment of the Flink Kubernetes Operator): {@code --config /path/pipeline.yaml}. The
 * cluster's own configuration (state backend, checkpoint storage) is layered under the keys the
 * pipeline file sets.
 */
public final class PipelineJobMain {

    private PipelineJobMain() {}

    public static void main(String[] args) throws Exception {
        PipelineDef def = PipelineConfigLoader.load(configFile(args));
        PipelineJob job = PipelineJob.of(def);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(PipelineJob.flinkConfiguration(def));
        job.prepare();
        job.composer().compose(env);
        env.execute("tidemark-" + def.name());
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
