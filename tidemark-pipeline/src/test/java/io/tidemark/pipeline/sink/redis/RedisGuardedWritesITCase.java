package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import io.lettuce.core.cluster.SlotHash;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The sink's guard, replayed by hand against a real Redis: what a restore does to the sink
 * (re-applying changes it already applied), with the outcome a reader must see. No Flink here, so
 * each case is exact and fast.
 */
class RedisGuardedWritesITCase extends RedisTestBase {

    private static final TableId ITEMS = new TableId("public", "items");
    private static final String[] COLUMNS = {"id", "name", "v"};
    private static final Duration RETENTION = Duration.ofDays(7);

    @Test
    void replayedOlderChangesDoNotOverwriteNewerOnesAndAreNotAppliedTwice() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 1, "first", 1, 10), upsert(ChangeOperation.INSERT, 2, "other", 1, 15));
        apply(upsert(ChangeOperation.UPDATE, 1, "second", 2, 20));
        apply(upsert(ChangeOperation.UPDATE, 1, "third", 3, 30));

        try (RedisBatchApplier restored = applier(RedisValueFormat.HASH, RETENTION)) {
            restored.apply(batch(upsert(ChangeOperation.INSERT, 1, "first", 1, 10)));
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 1, "second", 2, 20)));
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 1, "third", 3, 30)));
            assertThat(restored.applied()).as("no write at all during the replay").isZero();
            assertThat(restored.skipped()).isEqualTo(3);
        }

        assertThat(redis().hgetall("tidemark:public.items:1"))
                .isEqualTo(Map.of("id", "1", "name", "third", "v", "3", "_tidemark_pos", "30"));
        assertThat(redis().hgetall("tidemark:public.items:2")).containsEntry("name", "other");
    }

    @Test
    void replayedInsertDoesNotResurrectAKeyDeletedLater() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 7, "alive", 1, 100), upsert(ChangeOperation.UPDATE, 8, "x", 1, 105));
        apply(upsert(ChangeOperation.UPDATE, 7, "updated", 2, 110));
        apply(delete(7, 120));
        assertThat(redis().exists("tidemark:public.items:7")).isZero();
        assertThat(redis().get("{tidemark:public.items:7}:deleted")).isEqualTo("120");
        assertThat(redis().pttl("{tidemark:public.items:7}:deleted")).isPositive();

        try (RedisBatchApplier restored = applier(RedisValueFormat.HASH, RETENTION)) {
            restored.apply(batch(upsert(ChangeOperation.INSERT, 7, "alive", 1, 100)));
            assertThat(redis().exists("tidemark:public.items:7"))
                    .as("a replayed insert must not bring the deleted key back, even for a moment").isZero();
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 7, "updated", 2, 110)));
            restored.apply(batch(delete(7, 120)));
            assertThat(redis().exists("tidemark:public.items:7")).isZero();
            assertThat(restored.applied()).isZero();
            // a genuinely newer insert of the same key is applied
            restored.apply(batch(upsert(ChangeOperation.INSERT, 7, "reborn", 1, 130)));
        }

        assertThat(redis().hgetall("tidemark:public.items:7"))
                .isEqualTo(Map.of("id", "7", "name", "reborn", "v", "1", "_tidemark_pos", "130"));
    }

    @Test
    void deleteMarkerExpiresAfterTheRetention() throws Exception {
        try (RedisBatchApplier applier = applier(RedisValueFormat.HASH, Duration.ofMillis(300))) {
            applier.apply(batch(upsert(ChangeOperation.INSERT, 3, "short", 1, 10)));
            applier.apply(batch(delete(3, 20)));
        }
        assertThat(redis().get("{tidemark:public.items:3}:deleted")).isEqualTo("20");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis().exists("{tidemark:public.items:3}:deleted") == 0);
        assertThat(redis().keys("*")).isEmpty();
    }

    @Test
    void aBatchKeepsOnlyTheNewestChangePerKey() throws Exception {
        RedisBatchApplier applier = applier(RedisValueFormat.HASH, RETENTION);
        RedisChangeWriter writer = new RedisChangeWriter(encoder(RedisValueFormat.HASH, RETENTION), applier, 1000,
                Duration.ofHours(1), new ManualTimeService(), UnregisteredMetricsGroup.createSinkWriterMetricGroup());
        try {
            for (ChangeEvent event : List.of(
                    upsert(ChangeOperation.INSERT, 1, "a", 1, 10), upsert(ChangeOperation.UPDATE, 1, "b", 2, 11),
                    upsert(ChangeOperation.INSERT, 2, "x", 1, 12), delete(2, 13),
                    upsert(ChangeOperation.INSERT, 3, "gone", 1, 14), delete(3, 15),
                    upsert(ChangeOperation.INSERT, 3, "back", 1, 16),
                    upsert(ChangeOperation.UPDATE, 1, "late replay", 9, 5))) {
                writer.write(event, null);
            }
            assertThat(redis().keys("*")).as("nothing is written before the batch is flushed").isEmpty();
            writer.flush(false);
            assertThat(applier.applied()).as("one script call per key").isEqualTo(3);
        } finally {
            writer.close();
        }

        assertThat(redis().hgetall("tidemark:public.items:1")).containsEntry("name", "b").containsEntry("_tidemark_pos", "11");
        assertThat(redis().exists("tidemark:public.items:2")).isZero();
        assertThat(redis().get("{tidemark:public.items:2}:deleted")).isEqualTo("13");
        assertThat(redis().hgetall("tidemark:public.items:3")).containsEntry("name", "back").containsEntry("_tidemark_pos", "16");
    }

    @Test
    void jsonValuesCarryTheirPositionAndAreGuardedTheSameWay() throws Exception {
        try (RedisBatchApplier applier = applier(RedisValueFormat.JSON, RETENTION)) {
            applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "new", 2, 20)));
            applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "old", 1, 10)));
            applier.apply(batch(new ChangeEvent(ChangeOperation.INSERT, ITEMS, COLUMNS, new int[] {0}, null,
                    new Object[] {2L, null, 5}, SourcePosition.ofLsn(30), 0)));
            assertThat(applier.applied()).isEqualTo(2);
        }
        assertThat(redis().get("tidemark:public.items:1"))
                .isEqualTo("{\"_tidemark_pos\":\"20\",\"id\":1,\"name\":\"new\",\"v\":2}");
        assertThat(redis().get("tidemark:public.items:2"))
                .isEqualTo("{\"_tidemark_pos\":\"30\",\"id\":2,\"name\":null,\"v\":5}");
    }

    @Test
    void valuesAreWrittenAsTextAndNullColumnsAreOmitted() throws Exception {
        TableId table = new TableId("shop", "things");
        String[] columns = {"code", "part", "price", "raw", "day", "at", "tags", "note"};
        ChangeEvent event = new ChangeEvent(ChangeOperation.INSERT, table, columns, new int[] {0, 1}, null,
                new Object[] {"a:b{c}", 2, new BigDecimal("9.50"), new byte[] {1, 2, 3}, LocalDate.of(2024, 2, 29),
                        LocalDateTime.of(2024, 2, 29, 10, 0), List.of("x", "y"), null},
                SourcePosition.ofLsn(1L << 60), 0);
        RedisRowEncoder encoder = new RedisRowEncoder(
                "tm", RedisValueFormat.HASH, Map.of(table, new TableId("shop", "renamed")), null, RETENTION);
        try (RedisBatchApplier applier = new RedisBatchApplier(new RedisConnector(uri(), null), encoder, "test", 0)) {
            applier.apply(Map.of(encoder.dataKey(event), event));
        }

        String key = "tm:shop.renamed:a%3Ab%7Bc%7D:2";
        assertThat(redis().hgetall(key)).isEqualTo(Map.of(
                "code", "a:b{c}", "part", "2", "price", "9.50", "raw", "AQID", "day", "2024-02-29",
                "at", "2024-02-29T10:00:00", "tags", "[\"x\",\"y\"]", "_tidemark_pos", Long.toString(1L << 60)));
        assertThat(redis().ttl(key)).as("no ttl configured").isEqualTo(-1);
        assertThat(SlotHash.getSlot(RedisRowEncoder.tombstoneKey(key))).isEqualTo(SlotHash.getSlot(key));
    }

    @Test
    void ttlIsSetOnEveryWrite() throws Exception {
        try (RedisBatchApplier applier = new RedisBatchApplier(new RedisConnector(uri(), null),
                new RedisRowEncoder("tidemark", RedisValueFormat.HASH, Map.of(), Duration.ofMinutes(5), RETENTION),
                "test", 0)) {
            applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "a", 1, 10)));
        }
        assertThat(redis().ttl("tidemark:public.items:1")).isBetween(1L, 300L);
    }

    @Test
    void writesAreRetriedWhileRedisRestartsAndLandAfterwards() throws Exception {
        try (RedisBatchApplier applier =
                new RedisBatchApplier(new RedisConnector(uri(), null), encoder(RedisValueFormat.HASH, RETENTION), "test", 10)) {
            applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "before", 1, 10)));

            stopServer();
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    applier.apply(batch(upsert(ChangeOperation.UPDATE, 1, "after", 2, 20)));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> applier.retries() >= 2);
            assertThat(write).isNotDone();

            startServer(); // empty: no persistence, and its script cache is empty too
            write.get(30, TimeUnit.SECONDS);
        }

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> "after".equals(redis().hget("tidemark:public.items:1", "name")));
        assertThat(redis().hget("tidemark:public.items:1", "_tidemark_pos")).isEqualTo("20");
    }

    @Test
    void aNonTransientErrorFailsAtOnce() throws Exception {
        redis().set("tidemark:public.items:1", "not a hash");
        try (RedisBatchApplier applier = applier(RedisValueFormat.HASH, RETENTION)) {
            assertThatThrownBy(
                            () -> applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "a", 1, 10))))
                    .hasMessageContaining("sink test: Redis rejected a write")
                    .hasMessageContaining("WRONGTYPE");
            assertThat(applier.retries()).isZero();
        }
    }

    /** A wrong password is named as the pipeline file names the sink, like an unreachable server (issue 17 item 4). */
    @Test
    void prepareNamesTheSinkWhenRedisRefusesItsPassword() throws Exception {
        try (EmbeddedRedis guarded = EmbeddedRedis.start()) {
            guarded.commands().configSet("requirepass", "the-right-one");
            RedisChangeSink sink = new RedisChangeSink(new RedisSinkDef("cache", guarded.uri(), Secret.literal("a-wrong-one"),
                    "tidemark", RedisValueFormat.HASH, null, RETENTION, 10, Duration.ofMillis(200), 1), Map.of());
            assertThatThrownBy(sink::prepare)
                    .hasMessage("sinks.cache: cannot connect to Redis at " + guarded.uri()
                            + ": WRONGPASS invalid username-password pair or user is disabled.")
                    .hasMessageNotContaining("a-wrong-one");
        }
    }

    @Test
    void prepareNamesTheSinkAndUriWhenRedisIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RedisChangeSink sink = new RedisChangeSink(new RedisSinkDef("cache",
                "redis://127.0.0.1:" + closedPort, null, "tidemark", RedisValueFormat.HASH, null, RETENTION, 10,
                Duration.ofMillis(200), 1), Map.of());
        assertThatThrownBy(sink::prepare)
                .hasMessage("sinks.cache: cannot connect to Redis at redis://127.0.0.1:" + closedPort + ": Connection refused");
        new RedisChangeSink(new RedisSinkDef("cache", uri(), null, "tidemark",
                RedisValueFormat.HASH, null, RETENTION, 10, Duration.ofMillis(200), 1), Map.of()).prepare();
    }

    // ---------------------------------------------------------------------------------------

    private static RedisRowEncoder encoder(RedisValueFormat format, Duration retention) {
        return new RedisRowEncoder("tidemark", format, Map.of(ITEMS, ITEMS), null, retention);
    }

    private static RedisBatchApplier applier(RedisValueFormat format, Duration retention) {
        return new RedisBatchApplier(new RedisConnector(uri(), null), encoder(format, retention), "test", 3);
    }

    private static void apply(ChangeEvent... events) throws Exception {
        try (RedisBatchApplier applier = applier(RedisValueFormat.HASH, RETENTION)) {
            applier.apply(batch(events));
        }
    }

    /** One change per key, as the writer hands them over. */
    private static Map<String, ChangeEvent> batch(ChangeEvent... events) {
        Map<String, ChangeEvent> batch = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            batch.put(encoder(RedisValueFormat.HASH, RETENTION).dataKey(e), e);
        }
        return batch;
    }

    private static ChangeEvent upsert(ChangeOperation op, long id, String name, int v, long pos) {
        return new ChangeEvent(op, ITEMS, COLUMNS, new int[] {0}, null, new Object[] {id, name, v},
                SourcePosition.ofLsn(pos), 0);
    }

    private static ChangeEvent delete(long id, long pos) {
        return new ChangeEvent(ChangeOperation.DELETE, ITEMS, COLUMNS, new int[] {0}, new Object[] {id, null, null},
                null, SourcePosition.ofLsn(pos), 0);
    }

    /** A processing-time service whose timers never fire: the test flushes explicitly. */
    private static final class ManualTimeService implements ProcessingTimeService {
        @Override
        public long getCurrentProcessingTime() {
            return 0;
        }

        @Override
        public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
            return null;
        }
    }
}
