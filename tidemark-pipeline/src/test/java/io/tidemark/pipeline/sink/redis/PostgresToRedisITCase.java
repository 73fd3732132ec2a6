package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.DeadLetterQueueType;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.TestJobs;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.CheckpointType;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL to Redis through a real Flink MiniCluster, under the failures the exactly-once effect
 * exists for: the job failing and restoring mid-stream, and Redis itself restarting. In the end
 * every source row equals its Redis hash and no key is left for a deleted row, and a {@link
 * RedisVersionWatcher} on the server shows that no key was ever written back to an older version.
 * Also a write Redis rejects while the job runs: queued, not a restart loop, and replayed.
 */
class PostgresToRedisITCase extends PostgresTestBase {

    private static final String TABLE = "public.orders";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    /** Persistent, so that a restart keeps the data, as a durable deployment would. */
    private static EmbeddedRedis redis;

    @TempDir
    Path temp;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = EmbeddedRedis.startPersistent();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void snapshotStreamAndInjectedJobFailuresLeaveRedisEqualToSourceWithoutRegressions(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        int snapshotRows = 10_000;
        String prefix = "failures";
        String source = createDatabase("src_redis_failures");
        runDdl(source, "orders");
        OrdersWorkload workload = new OrdersWorkload(11, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, snapshotRows);
        }
        PipelineDef def = pipeline(source, "it_redis_failures", prefix, 10, Duration.ofSeconds(1));
        String scenario = "redis-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_500, 4_500, 7_500);
        job.prepare();

        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(redis, dataKeyPrefix(prefix))) {
            JobID jobId = TestJobs.submit(client, job);
            try {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> keyCount(prefix) >= snapshotRows);

                // 5 rounds of 2,000 changes; each injected failure happens while more changes follow
                long[] failuresAfterRound = {1, 1, 2, 3, 3};
                int streamed = 0;
                try (Connection c = connect(source)) {
                    for (long failures : failuresAfterRound) {
                        streamed += workload.run(c, 2_000);
                        await().atMost(Duration.ofMinutes(1))
                                .until(() -> FailureInjector.failures(scenario) >= failures);
                    }
                }
                assertThat(streamed).isGreaterThanOrEqualTo(10_000);

                Map<String, Map<String, String>> expected = awaitRedisEqualToSource(source, prefix);
                assertThat(expected).hasSizeGreaterThan(snapshotRows);
                assertThat(redis.keys("{" + dataKeyPrefix(prefix) + "*}:deleted"))
                        .as("deleted rows have tombstones (and, as compared above, no data key)").isNotEmpty();
                assertThat(FailureInjector.failures(scenario)).isEqualTo(3);
                assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);

                watcher.catchUp();
                assertThat(watcher.reconnects()).as("the watcher saw every write; %s", watcher).isZero();
                assertThat(watcher.keys()).as("keys the watcher saw written").containsAll(expected.keySet());
                assertThat(watcher.writes()).isGreaterThanOrEqualTo(snapshotRows + streamed / 2);
                assertThat(watcher.deletes()).isPositive();
                assertThat(watcher.staleCalls())
                        .as("changes replayed after the restores, refused by the guard; %s", watcher).isPositive();
                assertThat(watcher.regressions())
                        .as("keys written at or below an earlier position; %s", watcher).isEmpty();
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    @Test
    void redisRestartedMidStreamLosesNothingAndRegressesNothing(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        int snapshotRows = 3_000;
        String prefix = "restart";
        String source = createDatabase("src_redis_restart");
        runDdl(source, "orders");
        OrdersWorkload workload = new OrdersWorkload(23, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, snapshotRows);
        }
        // the sink retries a batch for about 3 s (backoff 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s), then fails the job;
        // checkpoints are taken on demand, so the test knows what a restore will replay
        PipelineJob job = PipelineJob.of(pipeline(source, "it_redis_restart", prefix, 5, Duration.ofMinutes(10)));
        job.prepare();

        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(redis, dataKeyPrefix(prefix))) {
            JobID jobId = TestJobs.submit(client, job);
            AtomicBoolean producing = new AtomicBoolean(true);
            AtomicInteger produced = new AtomicInteger();
            CompletableFuture<Void> producer = null;
            try {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> keyCount(prefix) >= snapshotRows);
                client.triggerCheckpoint(jobId, CheckpointType.DEFAULT).get(1, TimeUnit.MINUTES);
                long snapshotWrites = watcher.writes();

                producer = CompletableFuture.runAsync(() -> {
                    try (Connection c = connect(source)) {
                        while (producing.get()) {
                            produced.addAndGet(workload.run(c, 50));
                            Thread.sleep(150); // paced (~300 changes/s), so the outages, not the volume, set the pace
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("workload failed", e);
                    }
                });
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> produced.get() >= 500 && watcher.writes() >= snapshotWrites + 200);

                // shorter than the sink's retries: the sink waits for Redis and carries on
                restartRedisWhileProducing(Duration.ofSeconds(1), produced, snapshotRows, prefix);

                // longer: the job fails, its restart strategy restores it from this checkpoint, and it
                // replays the changes written since over what Redis loaded from its append-only file
                client.triggerCheckpoint(jobId, CheckpointType.DEFAULT).get(1, TimeUnit.MINUTES);
                watcher.catchUp();
                long writesAtCheckpoint = watcher.writes();
                await().atMost(Duration.ofMinutes(1)).until(() -> watcher.writes() >= writesAtCheckpoint + 100);
                restartRedisWhileProducing(Duration.ofSeconds(5), produced, snapshotRows, prefix);

                int producedAfterRestarts = produced.get();
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> produced.get() >= producedAfterRestarts + 500);
                producing.set(false);
                producer.get(1, TimeUnit.MINUTES);

                Map<String, Map<String, String>> expected = awaitRedisEqualToSource(source, prefix);
                assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);

                watcher.catchUp();
                assertThat(watcher.reconnects())
                        .as("the watcher followed both restarts; %s", watcher).isEqualTo(2);
                assertThat(watcher.writes()).isGreaterThanOrEqualTo(snapshotRows + expected.size() / 2);
                assertThat(watcher.staleCalls())
                        .as("changes replayed after the restore, refused by the guard; %s", watcher)
                        .isGreaterThanOrEqualTo(50);
                assertThat(watcher.regressions())
                        .as("keys written at or below an earlier position; %s", watcher).isEmpty();
            } finally {
                producing.set(false);
                if (producer != null) {
                    producer.exceptionally(e -> null).get(1, TimeUnit.MINUTES);
                }
                TestJobs.cancel(client, jobId);
            }
        }
    }

    /**
     * A write Redis rejects while the job streams (another application's string where a row's hash
     * belongs): the job keeps running and checkpointing, the rest arrives, the change waits in the
     * pipeline's dead-letter queue (a PostgreSQL database named by url) with the row's later change
     * parked behind it; once the key is removed, a replay writes both and the row takes live changes
     * again.
     */
    @Test
    void aWriteRedisRejectsWaitsInTheDeadLetterQueueWhileTheJobRuns(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String prefix = "rejects";
        String source = createDatabase("src_redis_rejects");
        runDdl(source, "orders");
        String queueDb = createDatabase("dlq_redis_rejects");
        OrdersWorkload workload = new OrdersWorkload(31, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, 200);
        }
        String poison = dataKeyPrefix(prefix) + "100007";
        redis.commands().set(poison, "another application's string");
        DeadLetterQueueDef queue = new DeadLetterQueueDef(DeadLetterQueueType.JDBC, jdbcUrl(queueDb), "postgres",
                Secret.literal("postgres"), "_tidemark_dlq", 2, DeadLetterPolicy.PARK, List.of(), null);
        PipelineDef def = withQueue(pipeline(source, "it_redis_rejects", prefix, 3, Duration.ofSeconds(1)), queue);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> keyCount(prefix) >= 201); // 200 rows and the poison key
            execute(source,
                    "INSERT INTO orders VALUES (100007, 'c7', 7.00, 'new', 'poison', now(), 1)",
                    "UPDATE orders SET version = 2, note = 'parked' WHERE id = 100007",
                    "INSERT INTO orders VALUES (100008, 'c8', 8.00, 'new', 'fine', now(), 1)");
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> redis.commands().exists(dataKeyPrefix(prefix) + "100008") == 1
                            && count(queueDb, "SELECT count(*) FROM _tidemark_dlq") >= 1);
            client.triggerCheckpoint(jobId, CheckpointType.DEFAULT).get(1, TimeUnit.MINUTES);
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
            assertThat(rows(queueDb, "_tidemark_dlq", "row_key, operation, kind, error_class, sink_table", "id"))
                    .as("the insert rejected, the update parked behind it (batches may have merged them: one entry)")
                    .first().asString()
                    .contains("\"row_key\":\"100007\"", "\"error_class\":\"WRONGTYPE\"", poison);
            assertThat(redis.commands().get(poison)).isEqualTo("another application's string");

            redis.commands().del(poison); // the fix
            try (RedisDeadLetterReplayer replayer =
                    RedisDeadLetterReplayer.of(def, (RedisSinkDef) def.sinks().get(0))) {
                assertThat(replayer.replay(DeadLetterFilter.pending()).complete()).isTrue();
            }
            execute(source, "UPDATE orders SET version = 3, note = 'live again' WHERE id = 100007");
            Map<String, Map<String, String>> expected = awaitRedisEqualToSource(source, prefix);
            assertThat(expected.get(poison)).containsEntry("note", "live again").containsEntry("version", "3");
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    @Test
    void aTruncateMidStreamWithFailuresAroundItLeavesNoKeyFromBeforeIt(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String prefix = "truncate";
        String source = createDatabase("src_redis_truncate");
        runDdl(source, "orders");
        OrdersWorkload workload = new OrdersWorkload(23, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, 3_000);
        }
        PipelineDef def = pipeline(source, "it_redis_truncate", prefix, 10, Duration.ofSeconds(1));
        String scenario = "redis-truncate-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_800, 2_002, 2_600);
        job.prepare();

        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(redis, dataKeyPrefix(prefix))) {
            JobID jobId = TestJobs.submit(client, job);
            try {
                await().atMost(Duration.ofMinutes(2)).until(() -> keyCount(prefix) >= 3_000);
                try (Connection c = connect(source)) {
                    workload.run(c, 2_000);
                    workload.truncate(c);
                    workload.run(c, 2_000); // inserts again some of the truncated keys
                }
                await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
                Map<String, Map<String, String>> expected = awaitRedisEqualToSource(source, prefix);
                assertThat(expected).isNotEmpty();

                watcher.catchUp();
                assertThat(watcher.truncatedAt()).as("the truncate was applied and marked").isPositive();
                assertThat(watcher.lateWrites()).as("rows written from before the truncate after it; %s", watcher)
                        .isZero();
                assertThat(watcher.regressions()).as("keys written at or below an earlier position; %s", watcher)
                        .isEmpty();
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    private static PipelineDef withQueue(PipelineDef def, DeadLetterQueueDef queue) {
        return new PipelineDef(def.name(), def.parallelism(), def.source(), def.sinks(), def.routes(),
                def.checkpointing(), queue);
    }

    /** Stops Redis, keeps it down for {@code down} while the source keeps changing, and starts it again. */
    private static void restartRedisWhileProducing(
            Duration down, AtomicInteger produced, int snapshotRows, String prefix) throws Exception {
        redis.stopServer();
        int producedBeforeStop = produced.get();
        await().pollDelay(down).atMost(Duration.ofMinutes(1))
                .until(() -> produced.get() >= producedBeforeStop + 200);
        redis.startServer();
        assertThat(keyCount(prefix)).as("rows the restarted server loaded from its append-only file")
                .isGreaterThanOrEqualTo(snapshotRows * 9 / 10);
    }

    // ---------------------------------------------------------------------------------------

    private PipelineDef pipeline(
            String sourceDb, String slot, String keyPrefix, int maxRetries, Duration checkpointInterval) {
        PostgresSourceDef sourceDef = new PostgresSourceDef(
                "127.0.0.1", port(), sourceDb, "postgres", Secret.literal("postgres"),
                List.of(TABLE), slot, slot, 1000, StartupMode.INITIAL);
        RedisSinkDef sink = new RedisSinkDef("cache", redis.uri(), null, keyPrefix, RedisValueFormat.HASH, null,
                Duration.ofDays(7), 1000, Duration.ofMillis(100), maxRetries);
        return new PipelineDef("it-redis-" + keyPrefix, 2, sourceDef, List.of(sink),
                List.of(new RouteDef(TABLE, "cache", TABLE)),
                new CheckpointingDef(checkpointInterval, Duration.ofSeconds(60), Duration.ofMillis(200),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION,
                        temp.resolve("checkpoints").toUri().toString(),
                        temp.resolve("savepoints").toUri().toString()));
    }

    private static String dataKeyPrefix(String keyPrefix) {
        return keyPrefix + ":" + TABLE + ":";
    }

    private static Map<String, Map<String, String>> awaitRedisEqualToSource(String source, String prefix)
            throws Exception {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sourceRows(source, prefix).equals(redisRows(prefix)));
        Map<String, Map<String, String>> expected = sourceRows(source, prefix);
        assertThat(redisRows(prefix)).isEqualTo(expected);
        return expected;
    }

    /** Each source row as the hash the sink should hold (no position), keyed by its Redis key. */
    private static Map<String, Map<String, String>> sourceRows(String db, String prefix) throws Exception {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        try (Connection c = connect(db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT id, customer, amount::text, status, note, updated_at, version FROM orders")) {
            while (rs.next()) {
                rows.put(dataKeyPrefix(prefix) + rs.getLong(1), OrderHashes.of(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getInt(7)));
            }
        }
        return rows;
    }

    private static Map<String, Map<String, String>> redisRows(String prefix) {
        return OrderHashes.read(redis.commands(), dataKeyPrefix(prefix) + "*");
    }

    /** How many rows Redis holds under {@code prefix}. */
    private static int keyCount(String prefix) {
        return redis.keys(dataKeyPrefix(prefix) + "*").size();
    }
}
