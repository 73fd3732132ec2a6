package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.TestJobs;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.OrdersWorkload;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real MariaDB binlog source into Redis through the MiniCluster, with failures injected
 * mid-stream: every source row ends as its Redis hash, no key is left for a deleted row, and a
 * {@link RedisVersionWatcher} on the server shows that no key was ever written back to an older
 * version while the restored job replayed what it had already written.
 */
class MariaDbToRedisITCase {

    private static final int SNAPSHOT_ROWS = 10_000;
    private static final String PREFIX = "maria";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    private static EmbeddedRedis redis;

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @BeforeAll
    static void startRedis() throws Exception {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void snapshotStreamAndFailuresLeaveRedisEqualToMariaDbWithoutRegressions(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String db = mariadb.createDatabase("src_redis");
        mariadb.runDdl(db, "mysql/orders");
        OrdersWorkload workload = new OrdersWorkload(29, 1);
        try (Connection c = mariadb.connect(db)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        PipelineDef def = pipeline(db);
        String scenario = "maria-redis-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_500, 4_500, 7_500);
        job.prepare();

        String dataKeys = PREFIX + ":" + db + ".orders:";
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(redis, dataKeys)) {
            JobID jobId = TestJobs.submit(client, job);
            try {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> redis.keys(dataKeys + "*").size() >= SNAPSHOT_ROWS);
                int streamed = 0;
                long[] failuresAfterRound = {1, 1, 2, 3, 3};
                try (Connection c = mariadb.connect(db)) {
                    for (long failures : failuresAfterRound) {
                        streamed += workload.run(c, 2_000);
                        await().atMost(Duration.ofMinutes(1))
                                .until(() -> FailureInjector.failures(scenario) >= failures);
                    }
                }
                assertThat(streamed).isGreaterThanOrEqualTo(10_000);

                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> sourceRows(db, dataKeys).equals(redisRows(dataKeys)));
                Map<String, Map<String, String>> expected = sourceRows(db, dataKeys);
                assertThat(redisRows(dataKeys)).isEqualTo(expected);
                assertThat(expected).hasSizeGreaterThan(SNAPSHOT_ROWS);
                assertThat(redis.keys("{" + dataKeys + "*}:deleted")).as("tombstones of deleted rows").isNotEmpty();
                assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);

                watcher.catchUp();
                assertThat(watcher.reconnects()).as("the watcher saw every write; %s", watcher).isZero();
                assertThat(watcher.keys()).containsAll(expected.keySet());
                assertThat(watcher.writes()).isGreaterThanOrEqualTo(SNAPSHOT_ROWS + streamed / 2);
                assertThat(watcher.staleCalls())
                        .as("changes replayed after the restores, refused by the guard; %s", watcher).isPositive();
                assertThat(watcher.regressions())
                        .as("keys written at or below an earlier position; %s", watcher).isEmpty();
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    private PipelineDef pipeline(String db) {
        MySqlSourceDef source = new MySqlSourceDef("127.0.0.1", mariadb.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of(db + ".orders"), "5431-5432", "UTC", 1000,
                StartupMode.INITIAL);
        RedisSinkDef sink = new RedisSinkDef("cache", redis.uri(), null, PREFIX, RedisValueFormat.HASH, null,
                Duration.ofDays(7), 1000, Duration.ofMillis(100), 10);
        return new PipelineDef("it-maria-redis", 2, source, List.of(sink),
                List.of(new RouteDef(db + ".orders", "cache", db + ".orders")),
                new CheckpointingDef(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION,
                        temp.resolve("checkpoints").toUri().toString(),
                        temp.resolve("savepoints").toUri().toString()));
    }

    /** Each source row as the hash the sink should hold (no position), keyed by its Redis key. */
    private Map<String, Map<String, String>> sourceRows(String db, String dataKeys) throws Exception {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        try (Connection c = mariadb.connect(db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, customer, CAST(amount AS CHAR), status, note,"
                        + " updated_at, version FROM orders")) {
            while (rs.next()) {
                rows.put(dataKeys + rs.getLong(1), OrderHashes.of(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getInt(7)));
            }
        }
        return rows;
    }

    private static Map<String, Map<String, String>> redisRows(String dataKeys) {
        return OrderHashes.read(redis.commands(), dataKeys + "*");
    }
}
