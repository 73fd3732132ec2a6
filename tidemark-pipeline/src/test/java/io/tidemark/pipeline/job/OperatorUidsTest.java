package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the operator uids of the production job. They are the savepoint contract: a savepoint
 * taken by one Tidemark version restores into the next only if every stateful operator keeps its
 * uid. If this test fails, a change broke savepoint compatibility.
 */
class OperatorUidsTest {

    @Test
    void productionJobHasThePinnedUids() {
        PipelineDef def = new PipelineDef(
                "orders",
                2,
                new PostgresSourceDef("localhost", 5432, "shop", "tidemark", Secret.literal("unused"),
                        List.of("public.orders", "public.customers"), "tidemark_orders", "tidemark_orders", 8096,
                        StartupMode.INITIAL),
                List.of(
                        new JdbcSinkDef("warehouse", "jdbc:postgresql://localhost:5433/dw", "tidemark",
                                Secret.literal("unused"), 5000, Duration.ofMillis(200), 2, Duration.ofDays(7), 3),
                        new JdbcSinkDef("archive", "jdbc:postgresql://localhost:5434/archive", "tidemark",
                                Secret.literal("unused"), 5000, Duration.ofMillis(200), 2, Duration.ofDays(7), 3)),
                List.of(
                        new RouteDef("public.orders", "warehouse", "public.orders"),
                        new RouteDef("public.customers", "warehouse", "public.customers"),
                        new RouteDef("public.orders", "archive", "archive.orders")),
                new CheckpointingDef(Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(30),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION, "file:///tmp/cp", "file:///tmp/sp"));

        StreamExecutionEnvironment env = new StreamExecutionEnvironment(PipelineJob.flinkConfiguration(def));
        PipelineComposer.of(def).compose(env);
        StreamGraph graph = env.getStreamGraph();

        Map<String, String> uidsByOperator = new TreeMap<>();
        for (StreamNode node : graph.getStreamNodes()) {
            uidsByOperator.put(node.getOperatorName(), node.getTransformationUID());
        }
        assertThat(uidsByOperator).containsExactlyInAnyOrderEntriesOf(Map.of(
                "Source: postgres-source shop", "tidemark-source",
                "route to warehouse", "tidemark-route-warehouse",
                "route to archive", "tidemark-route-archive",
                "sink warehouse: Writer", "tidemark-sink-warehouse",
                "sink archive: Writer", "tidemark-sink-archive"));
    }

    @Test
    void flinkConfigurationCarriesTheSpecsCheckpointingKeys() {
        PipelineDef def = new PipelineDef("p", 1,
                new PostgresSourceDef("h", 5432, "d", "u", Secret.literal("x"), List.of("public.t"), "s", "s", 10,
                        StartupMode.INITIAL),
                List.of(new JdbcSinkDef("w", "jdbc:postgresql://h/d", "u", Secret.literal("x"), 1,
                        Duration.ofMillis(1), 1, Duration.ofDays(1), 0)),
                List.of(new RouteDef("public.t", "w", "public.t")),
                new CheckpointingDef(Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(30),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION, "s3://flink-checkpoints/checkpoints",
                        "s3://flink-checkpoints/savepoints"));

        Map<String, String> conf = PipelineJob.flinkConfiguration(def).toMap();

        assertThat(conf)
                .containsEntry("execution.checkpointing.interval", "1 min")
                .containsEntry("execution.checkpointing.timeout", "2 min")
                .containsEntry("execution.checkpointing.min-pause", "30 s")
                .containsEntry("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
                .containsEntry("state.checkpoints.dir", "s3://flink-checkpoints/checkpoints")
                .containsEntry("state.savepoints.dir", "s3://flink-checkpoints/savepoints");
    }
}
