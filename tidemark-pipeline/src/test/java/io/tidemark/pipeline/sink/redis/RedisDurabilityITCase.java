package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import io.lettuce.core.KillArgs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What {@code durability} guarantees, against real servers: a master with one replica (embedded
 * Redis 6.2 started with {@code replicaof}), killed with SIGKILL right after the sink's
 * acknowledgement and replaced by its promoted replica; a replica frozen with SIGSTOP; a server
 * with {@code appendfsync always} killed and restarted. Also measures what each setting costs per
 * batch (logged; the figures in docs/redis-sink.md come from here).
 */
class RedisDurabilityITCase {

    private static final Logger LOG = LoggerFactory.getLogger(RedisDurabilityITCase.class);

    private static final TableId ITEMS = new TableId("public", "items");
    private static final String[] COLUMNS = {"id", "name", "v"};
    private static final RedisRowEncoder ENCODER =
            new RedisRowEncoder("tidemark", RedisValueFormat.HASH, Map.of(ITEMS, ITEMS), null, Duration.ofDays(7));
    private static final String ROWS = "tidemark:public.items:*";

    private EmbeddedRedis master;
    private EmbeddedRedis replica;

    @BeforeEach
    void startMasterAndReplica() throws Exception {
        master = EmbeddedRedis.start();
        replica = EmbeddedRedis.startReplicaOf(master);
    }

    @AfterEach
    void stopBoth() throws Exception {
        replica.close();
        master.close();
    }

    /**
     * The replica has fallen behind (frozen, its link dropped by the master) when a batch is
     * written. With {@code replicas 1} the sink does not acknowledge the batch until the replica
     * is back and has it; the master is then killed at once, and the promoted replica holds every
     * acknowledged row.
     */
    @Test
    void aBatchAcknowledgedWithReplicas1SurvivesItsMastersDeath() throws Exception {
        Map<String, ChangeEvent> first = batch(1, 1000, 10_000);
        try (RedisBatchApplier applier = applier(RedisDurability.replicas(1), Duration.ofMillis(500), 10)) {
            applier.apply(first); // replicated at once: the replica is healthy
            dropLaggingReplica();

            Map<String, ChangeEvent> second = batch(1001, 1000, 20_000);
            CompletableFuture<Void> apply = applyAsync(applier, second);
            await().atMost(Duration.ofSeconds(10)).until(() -> applier.retries() >= 1);
            assertThat(apply).as("not acknowledged while no replica has the batch").isNotDone();
            assertThat(master.keys(ROWS)).as("the master itself took the batch").hasSize(2000);

            replica.resume(); // reconnects and catches up from the master's backlog
            apply.get(1, TimeUnit.MINUTES);
        }
        master.kill(); // right after the acknowledgement
        replica.promote();

        assertThat(replica.keys(ROWS)).as("every acknowledged row is on the promoted replica").hasSize(2000);
        assertThat(replica.commands().hgetall("tidemark:public.items:2000"))
                .containsEntry("name", "row 2000").containsEntry("_tidemark_pos", "22000");
    }

    /** The same death without waiting: the master acknowledged rows that no replica ever saw. */
    @Test
    void withoutDurabilityTheMastersDeathLosesAcknowledgedRows() throws Exception {
        dropLaggingReplica();
        try (RedisBatchApplier applier = applier(RedisDurability.none(), Duration.ofMillis(500), 10)) {
            applier.apply(batch(1, 1000, 10_000));
            assertThat(applier.retries()).isZero();
        }
        master.kill();
        replica.resume();
        replica.promote();

        assertThat(replica.keys(ROWS)).as("acknowledged by the master, gone with it").isEmpty();
    }

    /**
     * A frozen replica keeps its link but confirms nothing: {@code replicas 1} retries the batch and
     * fails after its retries instead of acknowledging it, while {@code none} returns at once.
     */
    @Test
    void aFrozenReplicaKeepsReplicas1FromAcknowledgingWhileNoneReturnsAtOnce() throws Exception {
        replica.pause();
        try (RedisBatchApplier waiting = applier(RedisDurability.replicas(1), Duration.ofMillis(200), 2)) {
            assertThatThrownBy(() -> waiting.apply(batch(1, 100, 10_000)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("sink test: Redis at " + master.uri() + " still failing after 2 retries: acknowledged"
                            + " by 0 of 1 replica of " + master.uri() + " within 200 ms (WAIT)");
            assertThat(waiting.retries()).isEqualTo(2);
        }
        long started = System.nanoTime();
        try (RedisBatchApplier notWaiting = applier(RedisDurability.none(), Duration.ofMillis(200), 2)) {
            notWaiting.apply(batch(101, 100, 20_000));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        replica.resume();
    }

    /**
     * A change the guard skips writes nothing, yet the write it found may be unconfirmed: made on
     * another connection (an attempt that lost its connection, the job before a restore) while the
     * replica lagged. The batch must still not be acknowledged before the replica has that write.
     * (WAIT is documented to cover the connection's own writes; Redis 6.2 and 7.0 in fact count
     * everything written before the connection's last command of any kind, so this passes there
     * even without the sink's fence, which makes it hold under the documented contract too.)
     */
    @Test
    void aBatchWhoseChangesAreAllSkippedIsStillWaitedFor() throws Exception {
        Map<String, ChangeEvent> batch = batch(101, 100, 20_000);
        try (RedisBatchApplier waiting = applier(RedisDurability.replicas(1), Duration.ofMillis(200), 1)) {
            waiting.apply(batch(1, 100, 10_000)); // connected, script loaded, everything replicated

            replica.pause(); // its link stays up, so it counts for any WAIT its offset satisfies
            try (RedisBatchApplier other = applier(RedisDurability.none(), Duration.ofMillis(200), 0)) {
                other.apply(batch); // acknowledged by the master, not replicated
            }
            assertThatThrownBy(() -> waiting.apply(batch)).hasMessageContaining("acknowledged by 0 of 1 replica");
            assertThat(waiting.skipped()).as("the guard skipped every change").isEqualTo(2 * 100);

            replica.resume();
            waiting.apply(batch);
            assertThat(waiting.applied()).as("nothing written twice").isEqualTo(100);
        }
        assertThat(replica.keys(ROWS)).hasSize(200);
    }

    @Test
    void aofAcknowledgedWritesSurviveASigkillWithAppendfsyncAlways() throws Exception {
        try (EmbeddedRedis durable = EmbeddedRedis.startPersistent()) {
            sink(durable, RedisDurability.aof()).prepare();
            Map<String, ChangeEvent> batch = batch(1, 1000, 10_000);
            try (RedisBatchApplier applier = new RedisBatchApplier(new RedisConnector(durable.uri(), null), ENCODER,
                    "test", 3, RedisDurability.aof(), Duration.ofSeconds(1), null)) {
                applier.apply(batch);
            }
            durable.kill();
            durable.startServer(); // loads its append-only file
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> durable.keys(ROWS).size() == 1000);
        }
    }

    @Test
    void aofIsRefusedAtStartupWithoutAppendfsyncAlwaysAndWhenTheServerChanges() throws Exception {
        try (EmbeddedRedis everySecond = EmbeddedRedis.startWith("appendonly yes", "appendfsync everysec");
                EmbeddedRedis noAof = EmbeddedRedis.start()) {
            String version = everySecond.info("server", "redis_version");
            assertThatThrownBy(() -> sink(everySecond, RedisDurability.aof()).prepare())
                    .hasMessage("sinks.cache: Redis at " + everySecond.uri() + ": durability: aof on Redis " + version
                            + " (WAITAOF needs 7.2) needs appendfsync always, but the server runs appendfsync"
                            + " everysec; set appendfsync always, upgrade to Redis 7.2 or later, or choose durability"
                            + " none or replicas N");
            assertThatThrownBy(() -> sink(noAof, RedisDurability.aof()).prepare())
                    .hasMessage("sinks.cache: Redis at " + noAof.uri() + ": durability: aof, but Redis " + version
                            + " runs with appendonly no; set appendonly yes and appendfsync always (Redis before 7.2"
                            + " has no WAITAOF), or choose durability none or replicas N");
            sink(noAof, RedisDurability.replicas(1)).prepare(); // replicas may connect later: not refused here

            // a server reconfigured after the start is refused by the writer, at once, not retried
            everySecond.commands().configSet("appendfsync", "always");
            sink(everySecond, RedisDurability.aof()).prepare();
            try (RedisBatchApplier applier = new RedisBatchApplier(new RedisConnector(everySecond.uri(), null), ENCODER,
                    "test", 3, RedisDurability.aof(), Duration.ofSeconds(1), null)) {
                applier.apply(batch(1, 10, 10_000));
                everySecond.commands().configSet("appendfsync", "everysec");
                applier.close(); // as after a restart: the next connection checks again
                assertThatThrownBy(() -> applier.apply(batch(11, 10, 20_000)))
                        .hasMessageStartingWith("sink test: Redis at " + everySecond.uri() + " refused the sink: Redis at "
                                + everySecond.uri() + ": durability: aof on Redis before 7.2 (no WAITAOF) needs"
                                + " appendfsync always, but the server runs appendfsync everysec");
                assertThat(applier.retries()).isZero();
            }
        }
    }

    /**
     * Times batches of 1,000 upserts under each setting, round-robin after a warm-up so that JIT
     * and machine load fall on all alike; the figures in docs/redis-sink.md come from this log line.
     */
    @Test
    void durabilityCostPerBatch() throws Exception {
        int rounds = 60;
        try (EmbeddedRedis durable = EmbeddedRedis.startPersistent()) {
            Map<String, RedisBatchApplier> appliers = new LinkedHashMap<>();
            appliers.put("none", costApplier(master, RedisDurability.none()));
            appliers.put("replicas 1", costApplier(master, RedisDurability.replicas(1)));
            appliers.put("none, appendfsync always", costApplier(durable, RedisDurability.none()));
            appliers.put("aof, appendfsync always", costApplier(durable, RedisDurability.aof()));
            Map<String, List<Long>> micros = new LinkedHashMap<>();
            try {
                for (int round = -20; round < rounds; round++) { // 20 rounds of warm-up
                    int keys = 0;
                    for (Map.Entry<String, RedisBatchApplier> applier : appliers.entrySet()) {
                        // rows of its own, each round at newer positions: every change is written
                        Map<String, ChangeEvent> batch = batch(1 + 1000 * keys++, 1000, 10_000L * (round + 21));
                        long started = System.nanoTime();
                        applier.getValue().apply(batch);
                        if (round >= 0) {
                            micros.computeIfAbsent(applier.getKey(), k -> new ArrayList<>())
                                    .add((System.nanoTime() - started) / 1000);
                        }
                    }
                }
            } finally {
                appliers.values().forEach(RedisBatchApplier::close);
            }
            List<String> report = new ArrayList<>();
            micros.forEach((name, times) -> {
                times.sort(Long::compare);
                report.add(String.format("%-26s median %6.2f ms, p90 %6.2f ms", name,
                        times.get(rounds / 2) / 1000.0, times.get(rounds * 9 / 10) / 1000.0));
            });
            LOG.info("Durability cost per batch of 1,000 upserts, {} batches each:\n  {}", rounds,
                    String.join("\n  ", report));
        }
    }

    private static RedisBatchApplier costApplier(EmbeddedRedis redis, RedisDurability durability) {
        return new RedisBatchApplier(new RedisConnector(redis.uri(), null), ENCODER, "cost", 0, durability,
                Duration.ofSeconds(5), null);
    }

    // ---------------------------------------------------------------------------------------

    /** The replica falls behind: frozen, and dropped by the master, so the master's writes stay on the master. */
    private void dropLaggingReplica() throws IOException {
        replica.pause();
        master.commands().clientKill(KillArgs.Builder.typeSlave());
        await().atMost(Duration.ofSeconds(10)).until(() -> "0".equals(master.info("replication", "connected_slaves")));
    }

    private RedisBatchApplier applier(RedisDurability durability, Duration timeout, int maxRetries) {
        return new RedisBatchApplier(new RedisConnector(RedisSinkMode.STANDALONE, master.uri(), null, timeout), ENCODER,
                "test", maxRetries, durability, timeout, null);
    }

    private static RedisChangeSink sink(EmbeddedRedis redis, RedisDurability durability) {
        return new RedisChangeSink(new RedisSinkDef("cache", RedisSinkMode.STANDALONE, redis.uri(), null, "tidemark",
                RedisValueFormat.HASH, null, Duration.ofDays(7), 1000, Duration.ofMillis(200), 3, durability,
                Duration.ofSeconds(1)), Map.of(ITEMS, ITEMS));
    }

    private static CompletableFuture<Void> applyAsync(RedisBatchApplier applier, Map<String, ChangeEvent> batch) {
        return CompletableFuture.runAsync(() -> {
            try {
                applier.apply(batch);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** {@code count} inserts from id {@code firstId}, at positions above {@code base}. */
    private static Map<String, ChangeEvent> batch(int firstId, int count, long base) {
        Map<String, ChangeEvent> batch = new LinkedHashMap<>();
        for (long id = firstId; id < firstId + count; id++) {
            ChangeEvent event = new ChangeEvent(ChangeOperation.INSERT, ITEMS, COLUMNS, new int[] {0}, null,
                    new Object[] {id, "row " + id, 1}, SourcePosition.ofLsn(base + id), 0);
            batch.put(ENCODER.dataKey(event), event);
        }
        return batch;
    }
}
