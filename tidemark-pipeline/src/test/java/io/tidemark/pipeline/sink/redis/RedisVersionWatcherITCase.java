package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

/**
 * The {@link RedisVersionWatcher} against a real Redis, without Flink: it sees what the sink's
 * script writes, accepts every newer version, and reports each write that is not newer, so that the
 * pipeline tests relying on it can fail.
 */
class RedisVersionWatcherITCase extends RedisTestBase {

    private static final TableId ITEMS = new TableId("public", "items");
    private static final String PREFIX = "tidemark:public.items:";
    private static final String WRITE_UNGUARDED =
            "redis.call('DEL', KEYS[1]) return redis.call('HSET', KEYS[1], '_tidemark_pos', ARGV[1], 'name', ARGV[2])";

    @Test
    void seesEveryVersionTheSinkWritesAndNoRegressionWhenReplaysAreSkipped() throws Exception {
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(embeddedRedis(), PREFIX);
                RedisBatchApplier applier = applier(RedisValueFormat.HASH)) {
            applier.apply(Map.of(PREFIX + "1", upsert(ChangeOperation.INSERT, 1, "a", 10)));
            applier.apply(Map.of(PREFIX + "1", upsert(ChangeOperation.UPDATE, 1, "b", 20)));
            applier.apply(Map.of(PREFIX + "1", delete(1, 30)));
            // a replay after a restore: skipped by the script, so nothing is written
            applier.apply(Map.of(PREFIX + "1", upsert(ChangeOperation.INSERT, 1, "a", 10)));
            applier.apply(Map.of(PREFIX + "1", upsert(ChangeOperation.UPDATE, 1, "b", 20)));
            applier.apply(Map.of(PREFIX + "1", upsert(ChangeOperation.INSERT, 1, "again", 40)));
            redis().hset("tidemark:public.other:1", Map.of("_tidemark_pos", "1")); // not watched

            watcher.catchUp();
            assertThat(watcher.history(PREFIX + "1")).containsExactly(new RedisVersionWatcher.Version(10, false),
                    new RedisVersionWatcher.Version(20, false), new RedisVersionWatcher.Version(30, true),
                    new RedisVersionWatcher.Version(40, false));
            assertThat(watcher.keys()).containsExactly(PREFIX + "1");
            assertThat(watcher.writes()).isEqualTo(4);
            assertThat(watcher.deletes()).isEqualTo(1);
            assertThat(watcher.staleCalls()).as("the replayed insert and update").isEqualTo(2);
            assertThat(watcher.regressions()).isEmpty();
            assertThat(watcher.reconnects()).isZero();
        }
    }

    @Test
    void reportsEveryWriteThatIsNotNewerThanTheKeysLastVersion() {
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(embeddedRedis(), PREFIX)) {
            unguardedWrite(PREFIX + "1", 20, "b");
            unguardedWrite(PREFIX + "1", 10, "a"); // older
            unguardedWrite(PREFIX + "2", 5, "x");
            unguardedWrite(PREFIX + "2", 5, "x"); // the same version twice
            redis().set("{" + PREFIX + "3}:deleted", "7");
            unguardedWrite(PREFIX + "3", 7, "resurrected"); // an insert at the delete's own position
            redis().hset(PREFIX + "4", Map.of("name", "no position"));

            watcher.catchUp();
            assertThat(watcher.regressionCount()).isEqualTo(4);
            assertThat(watcher.regressions()).hasSize(4)
                    .anySatisfy(r -> assertThat(r).startsWith(PREFIX + "1: row@10 written after [row@20]"))
                    .anySatisfy(r -> assertThat(r).startsWith(PREFIX + "2: row@5 written after [row@5]"))
                    .anySatisfy(r -> assertThat(r).startsWith(PREFIX + "3: row@7 written after [delete@7]"))
                    .anySatisfy(r -> assertThat(r).startsWith(PREFIX + "4: written without _tidemark_pos"));
        }
    }

    @Test
    void readsJsonValuesAndEscapedArguments() throws Exception {
        String oddKey = PREFIX + "ü \"quoted\" \\ back\nslash";
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(embeddedRedis(), PREFIX);
                RedisBatchApplier applier = applier(RedisValueFormat.JSON)) {
            applier.apply(Map.of(PREFIX + "9", upsert(ChangeOperation.INSERT, 9, "json ✓", 90)));
            applier.apply(Map.of(PREFIX + "9", upsert(ChangeOperation.UPDATE, 9, "json ✓✓", 91)));
            unguardedWrite(oddKey, 3, "\t\u0007\b\r");

            watcher.catchUp();
            assertThat(watcher.history(PREFIX + "9")).containsExactly(
                    new RedisVersionWatcher.Version(90, false), new RedisVersionWatcher.Version(91, false));
            assertThat(watcher.history(oddKey)).containsExactly(new RedisVersionWatcher.Version(3, false));
            assertThat(watcher.regressions()).isEmpty();
        }
    }

    @Test
    void followsTheServerThroughARestart() throws Exception {
        try (RedisVersionWatcher watcher = RedisVersionWatcher.start(embeddedRedis(), PREFIX)) {
            unguardedWrite(PREFIX + "1", 1, "before");
            stopServer();
            startServer(); // empty: no persistence here
            watcher.awaitConnected(Duration.ofSeconds(10));
            unguardedWrite(PREFIX + "1", 1, "after"); // the same version again, after the restart

            watcher.catchUp();
            assertThat(watcher.reconnects()).isEqualTo(1);
            assertThat(watcher.regressions()).singleElement(STRING)
                    .startsWith(PREFIX + "1: row@1 written after [row@1]");
        }
    }

    // ---------------------------------------------------------------------------------------

    /** A script that writes like the sink's, but without its guard. */
    private static void unguardedWrite(String key, long position, String name) {
        redis().eval(WRITE_UNGUARDED, ScriptOutputType.INTEGER, new String[] {key}, Long.toString(position), name);
    }

    private static RedisBatchApplier applier(RedisValueFormat format) {
        return new RedisBatchApplier(new RedisConnector(uri(), null),
                new RedisRowEncoder("tidemark", format, Map.of(ITEMS, ITEMS), null, Duration.ofDays(7)), "test", 3);
    }

    private static ChangeEvent upsert(ChangeOperation op, long id, String name, long pos) {
        return new ChangeEvent(op, ITEMS, new String[] {"id", "name"}, new int[] {0}, null, new Object[] {id, name},
                SourcePosition.ofLsn(pos), 0);
    }

    private static ChangeEvent delete(long id, long pos) {
        return new ChangeEvent(ChangeOperation.DELETE, ITEMS, new String[] {"id", "name"}, new int[] {0},
                new Object[] {id, null}, null, SourcePosition.ofLsn(pos), 0);
    }
}
