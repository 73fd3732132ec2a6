package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PipelineJobMainTest {

    @TempDir
    Path dir;

    @Test
    void readsTheConfigFileInBothSpellings() {
        assertThat(PipelineJobMain.configFile(new String[] {"--config", "/etc/tidemark/pipeline.yaml"}))
                .isEqualTo(Path.of("/etc/tidemark/pipeline.yaml"));
        assertThat(PipelineJobMain.configFile(new String[] {"--other", "x", "--config=/p.yaml"}))
                .isEqualTo(Path.of("/p.yaml"));
    }

    @Test
    void theClustersCheckpointingWinsAndThePipelineFileFillsInWhatItLeavesUnset() throws Exception {
        Path file = Files.writeString(dir.resolve("pipeline.yaml"), "pipeline: {name: orders, parallelism: 2}\n"
                + "source: {type: postgres, hostname: db, database: shop, username: app, password: '${env:PW}',"
                + " tables: [public.orders]}\n"
                + "sinks: [{name: dw, type: jdbc, url: 'jdbc:postgresql://dw/dw', username: app, password: '${env:PW}'}]\n"
                + "checkpointing: {interval: 45s, savepoints-dir: 's3://mine/savepoints'}\n");
        PipelineDef def = PipelineConfigLoader.load(file);
        // as the operator writes a FlinkDeployment's flinkConfiguration (1.20 key names for the directories)
        Configuration cluster = new Configuration();
        cluster.setString("execution.checkpointing.interval", "60s");
        cluster.setString("execution.checkpointing.dir", "s3://flink-checkpoints/checkpoints");
        cluster.setString("execution.checkpointing.savepoint-dir", "s3://flink-checkpoints/savepoints");

        Map<String, String> job = PipelineJobMain.jobConfiguration(def, cluster).toMap();

        assertThat(job).doesNotContainKeys("execution.checkpointing.interval", "state.checkpoints.dir",
                "state.savepoints.dir");
        assertThat(job).containsEntry("parallelism.default", "2").containsEntry("pipeline.name", "tidemark-orders")
                .containsKey("execution.checkpointing.timeout").containsKey("execution.checkpointing.min-pause");
        assertThat(PipelineJobMain.jobConfiguration(def, new Configuration()).toMap())
                .as("without a cluster setting the pipeline file's own values apply")
                .containsEntry("state.savepoints.dir", "s3://mine/savepoints")
                .containsKey("execution.checkpointing.interval");
    }

    @Test
    void missingConfigIsRefusedWithTheUsage() {
        assertThatThrownBy(() -> PipelineJobMain.configFile(new String[] {"--config"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--config /path/pipeline.yaml");
    }
}
