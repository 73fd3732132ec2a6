package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterKind;
import io.tidemark.pipeline.dlq.JdbcDeadLetterQueue;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Writes Redis rejects, against real servers: a key that something else holds with another type
 * (WRONGTYPE) and a server out of memory under {@code maxmemory} with {@code noeviction} (OOM).
 * The rejected changes go to a real dead-letter queue (a table in embedded PostgreSQL) with their
 * context, exactly once each also when the same batch is written again (as after a restore), their
 * rows' later changes are parked behind them, the rest of each batch is applied, and nothing fails;
 * once the cause is fixed, a replay (interrupted once and rerun) writes each of them exactly once,
 * as the {@link RedisVersionWatcher} on the server's MONITOR stream shows.
 */
class RedisDeadLetterQueueITCase extends PostgresTestBase {

    private static final String PIPELINE = "redis-dlq-it";
    private static final TableId ITEMS = new TableId("public", "items");
    private static final String[] COLUMNS = {"id", "name", "v"};
    private static final String PREFIX = "tidemark:public.items:";

    private String queueDb;
    private JdbcConnectionFactory queueConnections;
    private EmbeddedRedis redis;
    /** Queue connections the test opened, closed after it. */
    private final List<JdbcDeadLetterQueue> queues = new ArrayList<>();

    @BeforeEach
    void createQueueAndRedis() throws Exception {
        queueDb = createDatabase("redis_dlq");
        queueConnections = new JdbcConnectionFactory(jdbcUrl(queueDb), "postgres", Secret.literal("postgres"));
        queue().prepare();
        redis = EmbeddedRedis.startWith("maxmemory-policy noeviction");
    }

    @AfterEach
    void stopRedisAndCloseQueues() throws Exception {
        redis.close();
        for (JdbcDeadLetterQueue queue : queues) {
            queue.close();
        }
    }

    @Test
    void wrongTypeRejectionsAreQueuedOnceAppliedAroundParkedAndReplayedOnceAfterTheFix() throws Exception {
        redis.commands().set(PREFIX + "3", "not a hash: another application's key");
        redis.commands().lpush(PREFIX + "7", "a list");
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(redis, PREFIX)) {
            List<ChangeEvent> inserts = new ArrayList<>();
            for (long id = 1; id <= 10; id++) {
                inserts.add(upsert(ChangeOperation.INSERT, id, "row " + id, 1, 100 + id));
            }
            try (RedisBatchApplier live = liveApplier(DeadLetterPolicy.PARK)) {
                live.apply(batch(inserts)); // returns: the job goes on
                assertThat(live.applied()).isEqualTo(8);
            }
            assertThat(rows()).containsOnlyKeys(PREFIX + "1", PREFIX + "2", PREFIX + "4", PREFIX + "5", PREFIX + "6",
                    PREFIX + "8", PREFIX + "9", PREFIX + "10");
            assertThat(queueRows()).containsExactly("3 INSERT REJECTED WRONGTYPE 2", "7 INSERT REJECTED WRONGTYPE 2");

            // a restored job writes the batch again: applied once, queued once
            try (RedisBatchApplier restored = liveApplier(DeadLetterPolicy.PARK)) {
                restored.apply(batch(inserts));
                assertThat(restored.applied()).isZero();
                // later changes: 3 and 7 are parked behind their rejections without being tried, 1 is applied
                restored.apply(batch(List.of(upsert(ChangeOperation.UPDATE, 3, "row 3 v2", 2, 200),
                        upsert(ChangeOperation.UPDATE, 1, "row 1 v2", 2, 201), delete(7, 202))));
                assertThat(restored.applied()).isEqualTo(1);
            }
            assertThat(queueRows()).containsExactly("3 INSERT REJECTED WRONGTYPE 2", "7 INSERT REJECTED WRONGTYPE 2",
                    "3 UPDATE PARKED parked 1", "7 DELETE PARKED parked 1");

            DeadLetter rejected = queue().list(PIPELINE, DeadLetterFilter.pending()).get(0).letter();
            assertThat(rejected.pipeline()).isEqualTo(PIPELINE);
            assertThat(rejected.sink()).isEqualTo("cache");
            assertThat(rejected.sinkTable()).as("for Redis: the key").isEqualTo(PREFIX + "3");
            assertThat(rejected.rowKey()).isEqualTo("3");
            assertThat(rejected.kind()).isEqualTo(DeadLetterKind.REJECTED);
            assertThat(rejected.errorMessage()).contains("WRONGTYPE Operation against a key holding the wrong kind of value");
            assertThat(rejected.event().position()).isEqualTo(SourcePosition.ofLsn(103));
            assertThat(rejected.event().after()).containsExactly(3L, "row 3", 1);
            assertThat(rejected.firstFailure()).isBeforeOrEqualTo(rejected.lastFailure());

            // replayed before the fix: nothing written, nothing lost, one more attempt each
            try (RedisDeadLetterReplayer replayer = replayer()) {
                assertThat(replayer.replay(DeadLetterFilter.pending()).total())
                        .isEqualTo(new ReplaySummary.Counts(0, 0, 2, 2));
            }
            assertThat(queueRows()).startsWith("3 INSERT REJECTED WRONGTYPE 3", "7 INSERT REJECTED WRONGTYPE 3");

            // the fix: the other application's keys go; a replay stopped after one entry, then run again
            redis.commands().del(PREFIX + "3", PREFIX + "7");
            AtomicInteger seen = new AtomicInteger();
            try (RedisDeadLetterReplayer replayer = replayer()) {
                assertThatThrownBy(() -> replayer.replay(DeadLetterFilter.pending(), entry -> {
                    if (seen.incrementAndGet() == 1) {
                        throw new InterruptedException("stopped by the operator");
                    }
                })).isInstanceOf(InterruptedException.class);
            }
            ReplaySummary rerun;
            try (RedisDeadLetterReplayer replayer = replayer()) {
                rerun = replayer.replay(DeadLetterFilter.pending());
            }
            assertThat(rerun.total()).isEqualTo(new ReplaySummary.Counts(3, 0, 0, 0));
            try (RedisDeadLetterReplayer replayer = replayer()) {
                assertThat(replayer.replay(DeadLetterFilter.pending()).entries()).as("nothing left").isEmpty();
            }

            assertThat(redis.commands().hgetall(PREFIX + "3"))
                    .isEqualTo(Map.of("id", "3", "name", "row 3 v2", "v", "2", "_tidemark_pos", "200"));
            assertThat(redis.commands().exists(PREFIX + "7")).isZero();
            assertThat(redis.commands().get("{" + PREFIX + "7}:deleted")).isEqualTo("202");
            watcher.catchUp();
            assertThat(watcher.history(PREFIX + "3")).as("each change of row 3 written once, in order")
                    .extracting(RedisVersionWatcher.Version::position).containsExactly(103L, 200L);
            assertThat(watcher.history(PREFIX + "7")).extracting(v -> v.position() + (v.delete() ? " delete" : ""))
                    .containsExactly("107", "202 delete");
            assertThat(watcher.regressions()).as("no key written at or below an earlier position; %s", watcher).isEmpty();

            // the released rows take live changes again
            try (RedisBatchApplier live = liveApplier(DeadLetterPolicy.PARK)) {
                live.apply(batch(List.of(upsert(ChangeOperation.UPDATE, 3, "row 3 v3", 3, 300))));
                assertThat(live.applied()).isEqualTo(1);
            }
            assertThat(queue().list(PIPELINE, DeadLetterFilter.pending())).isEmpty();
        }
    }

    @Test
    void outOfMemoryRejectionsAreQueuedAndReplayedOnceMemoryIsRaised() throws Exception {
        try (RedisBatchApplier live = liveApplier(DeadLetterPolicy.CONTINUE)) {
            live.apply(batch(List.of(upsert(ChangeOperation.INSERT, 9, "row 9", 1, 90))));
        }
        // another application filled the server; then its limit was set below what it holds
        for (int i = 0; i < 100; i++) {
            redis.commands().set("other-application:" + i, "x".repeat(20_000));
        }
        redis.commands().configSet("maxmemory", "1mb");

        List<ChangeEvent> changes = new ArrayList<>();
        for (long id = 1; id <= 5; id++) {
            changes.add(upsert(ChangeOperation.INSERT, id, "row " + id, 1, 100 + id));
        }
        changes.add(delete(9, 110)); // deletes free memory: allowed
        try (RedisBatchApplier live = liveApplier(DeadLetterPolicy.CONTINUE)) {
            live.apply(batch(changes));
            live.apply(batch(changes)); // as after a restore
        }
        assertThat(redis.keys(PREFIX + "*")).as("no row written past maxmemory").isEmpty();
        assertThat(redis.commands().get("{" + PREFIX + "9}:deleted")).isEqualTo("110");
        assertThat(queueRows()).containsExactly("1 INSERT REJECTED OOM 2", "2 INSERT REJECTED OOM 2",
                "3 INSERT REJECTED OOM 2", "4 INSERT REJECTED OOM 2", "5 INSERT REJECTED OOM 2");
        assertThat(queue().list(PIPELINE, DeadLetterFilter.pending()).get(0).letter().errorMessage())
                .contains("OOM command not allowed when used memory > 'maxmemory'");

        redis.commands().configSet("maxmemory", "0"); // the fix
        try (RedisDeadLetterReplayer replayer = replayer()) {
            assertThat(replayer.replay(DeadLetterFilter.pending()).total())
                    .isEqualTo(new ReplaySummary.Counts(5, 0, 0, 0));
        }
        assertThat(rows()).hasSize(5);
        assertThat(queue().list(PIPELINE, DeadLetterFilter.all()))
                .extracting(StoredDeadLetter::replayResult).containsOnly(StoredDeadLetter.ReplayResult.APPLIED);
    }

    @Test
    void anEntryTheSinkHasSupersededIsMarkedSkippedByTheJobAndNeverWritten() throws Exception {
        redis.commands().set(PREFIX + "5", "not a hash");
        try (RedisBatchApplier live = liveApplier(DeadLetterPolicy.CONTINUE)) {
            live.apply(batch(List.of(upsert(ChangeOperation.INSERT, 5, "row 5", 1, 105))));
            redis.commands().del(PREFIX + "5");
            // continue: the row's next change is applied although its insert waits in the queue
            live.apply(batch(List.of(upsert(ChangeOperation.UPDATE, 5, "row 5 v2", 2, 205))));
        }
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(redis, PREFIX);
                RedisDeadLetterReplayer replayer = replayer()) {
            ReplaySummary summary = replayer.replay(DeadLetterFilter.pending());
            // the job marked the entry SKIPPED when it applied the row's newer change: nothing is left to replay
            assertThat(summary.entries()).isEmpty();
            watcher.catchUp();
            assertThat(watcher.writes()).isZero();
        }
        assertThat(redis.commands().hget(PREFIX + "5", "name")).isEqualTo("row 5 v2");
    }

    // ---------------------------------------------------------------------------------------

    private RedisBatchApplier liveApplier(DeadLetterPolicy policy) throws Exception {
        RedisRowEncoder encoder = encoder();
        RejectedChanges rejected = new RejectedChanges(queue(), PIPELINE, "cache", encoder::dataKey, 2, policy,
                new UnregisteredMetricsGroup());
        return new RedisBatchApplier(new RedisConnector(redis.uri(), null), encoder, "cache", 3,
                sinkDef().durability(), sinkDef().durabilityTimeout(), rejected);
    }

    private RedisDeadLetterReplayer replayer() {
        return new RedisDeadLetterReplayer(PIPELINE, sinkDef(), Map.of(ITEMS, ITEMS), queue());
    }

    private RedisSinkDef sinkDef() {
        return new RedisSinkDef("cache", redis.uri(), null, "tidemark", RedisValueFormat.HASH, null,
                Duration.ofDays(7), 1000, Duration.ofMillis(100), 3);
    }

    private static RedisRowEncoder encoder() {
        return new RedisRowEncoder("tidemark", RedisValueFormat.HASH, Map.of(ITEMS, ITEMS), null, Duration.ofDays(7));
    }

    private JdbcDeadLetterQueue queue() {
        JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(queueConnections, "_tidemark_dlq");
        queues.add(queue);
        return queue;
    }

    /** The queue's entries as "key operation kind error-class attempts", in the order they were added. */
    private List<String> queueRows() throws Exception {
        return rows(queueDb, "_tidemark_dlq", "row_key, operation, kind, error_class, attempts", "id").stream()
                .map(json -> json.replaceAll("\\{\"row_key\":\"([^\"]*)\",\"operation\":\"(\\w+)\",\"kind\":\"(\\w+)\","
                        + "\"error_class\":\"(\\w+)\",\"attempts\":(\\d+)}", "$1 $2 $3 $4 $5"))
                .toList();
    }

    /** The rows the sink holds: hashes under the prefix (not the keys of another type it could not write). */
    private Map<String, Map<String, String>> rows() {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (String key : redis.keys(PREFIX + "*")) {
            if ("hash".equals(redis.commands().type(key))) {
                rows.put(key, redis.commands().hgetall(key));
            }
        }
        return rows;
    }

    private static Map<String, ChangeEvent> batch(List<ChangeEvent> events) {
        Map<String, ChangeEvent> batch = new LinkedHashMap<>();
        events.forEach(e -> batch.put(encoder().dataKey(e), e));
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
}
