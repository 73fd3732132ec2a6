package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL to a Redis Cluster (three masters) through a real Flink MiniCluster, with the sink in
 * {@code mode: cluster}: snapshot plus streaming, then every source row compared with its hash,
 * read from the master that owns it, and no key left for a deleted row.
 */
class PostgresToRedisClusterITCase extends PostgresTestBase {

    private static final int SNAPSHOT_ROWS = 2_000;
    private static final int STREAMED_CHANGES = 2_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    private static EmbeddedRedisCluster redis;

    @TempDir
    Path temp;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = EmbeddedRedisCluster.start(3, 0);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void snapshotThenStreamingLeavesTheClusterEqualToSource(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_redis_cluster");
        runDdl(source, "orders");
        OrdersWorkload workload = new OrdersWorkload(11, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        PipelineJob job = PipelineJob.of(pipeline(source));
        job.prepare();

        JobID jobId = client.submitJob(job.jobGraph(new Configuration(), SavepointRestoreSettings.none()))
                .get(1, TimeUnit.MINUTES);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> redisRows().size() >= SNAPSHOT_ROWS);
            try (Connection c = connect(source)) {
                assertThat(workload.run(c, STREAMED_CHANGES)).isEqualTo(STREAMED_CHANGES);
            }

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> sourceRows(source).equals(redisRows()));
            Map<String, Map<String, String>> expected = sourceRows(source);
            assertThat(redisRows()).isEqualTo(expected);
            assertThat(expected).hasSizeGreaterThan(SNAPSHOT_ROWS / 2);
            for (int master : redis.masterPorts()) {
                assertThat(redis.node(master).dbsize()).as("keys on master %s", master).isPositive();
            }
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            client.cancel(jobId).get(30, TimeUnit.SECONDS);
        }
    }

    private PipelineDef pipeline(String sourceDb) {
        PostgresSourceDef sourceDef = new PostgresSourceDef(
                "127.0.0.1", port(), sourceDb, "postgres", Secret.literal("postgres"),
                List.of("public.orders"), "it_redis_cluster", "it_redis_cluster", 1000, StartupMode.INITIAL);
        RedisSinkDef sink = new RedisSinkDef("cache", RedisSinkMode.CLUSTER, redis.uri(), null, "tidemark",
                RedisValueFormat.HASH, null, Duration.ofDays(7), 1000, Duration.ofMillis(100), 10);
        return new PipelineDef("it-redis-cluster", 2, sourceDef, List.of(sink),
                List.of(new RouteDef("public.orders", "cache", "public.orders")),
                new CheckpointingDef(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION,
                        temp.resolve("checkpoints").toUri().toString(),
                        temp.resolve("savepoints").toUri().toString()));
    }

    /** Each source row as the hash the sink should hold (no position), keyed by its Redis key. */
    private static Map<String, Map<String, String>> sourceRows(String db) throws Exception {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        try (Connection c = connect(db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT id, customer, amount::text, status, note, updated_at, version FROM orders")) {
            while (rs.next()) {
                rows.put("tidemark:public.orders:" + rs.getLong(1), OrderHashes.of(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getInt(7)));
            }
        }
        return rows;
    }

    /**
     * Every row key on every master with its hash, read from the master that holds it; timestamps
     * normalised to instants, positions dropped.
     */
    private static Map<String, Map<String, String>> redisRows() {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        for (int master : redis.masterPorts()) {
            rows.putAll(OrderHashes.read(redis.node(master), "tidemark:public.orders:*"));
        }
        return rows;
    }
}
