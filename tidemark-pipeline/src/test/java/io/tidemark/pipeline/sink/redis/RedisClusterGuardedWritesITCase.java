package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The sink's guarded writes against a real Redis Cluster (three masters, one replica each):
 * newer wins, replays are no-ops, deleted rows stay deleted, rows spread over the masters with each
 * delete marker in its row's slot, a lost script cache and a master's failover are retried through,
 * a slot moved to another master is followed (MOVED) and retried while it moves (TRYAGAIN), and a
 * sink configured for the wrong mode says so, and {@code durability: replicas 1} waits for every
 * master's replica. The failover test runs last: it leaves the cluster with a dead node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterGuardedWritesITCase {

    private static final TableId ITEMS = new TableId("public", "items");
    private static final String[] COLUMNS = {"id", "name", "v"};
    private static final Duration RETENTION = Duration.ofDays(7);
    private static final RedisRowEncoder ENCODER =
            new RedisRowEncoder("tidemark", RedisValueFormat.HASH, Map.of(ITEMS, ITEMS), null, RETENTION);

    private static EmbeddedRedisCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        long started = System.nanoTime();
        cluster = EmbeddedRedisCluster.start(3, 1);
        System.out.printf("Redis Cluster of 3 masters and 3 replicas up in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void emptyCluster() {
        cluster.commands().flushall();
    }

    @Test
    @Order(1)
    void rowsSpreadOverTheMastersAndEachDeleteMarkerLivesInItsRowsSlot() throws Exception {
        try (RedisBatchApplier applier = applier(3)) {
            applier.apply(batch(LongStream.rangeClosed(1, 300)
                    .mapToObj(id -> upsert(ChangeOperation.INSERT, id, "row " + id, 1, 1000 + id)).toArray(ChangeEvent[]::new)));
            applier.apply(batch(LongStream.rangeClosed(1, 60)
                    .mapToObj(id -> delete(id, 2000 + id)).toArray(ChangeEvent[]::new)));
            assertThat(applier.applied()).isEqualTo(360);
            assertThat(applier.retries()).isZero();
        }

        Map<Integer, Long> keysPerMaster = new HashMap<>();
        for (int port : cluster.masterPorts()) {
            keysPerMaster.put(port, cluster.node(port).dbsize());
        }
        assertThat(keysPerMaster.values().stream().mapToLong(Long::longValue).sum()).as("240 rows + 60 markers").isEqualTo(300);
        assertThat(keysPerMaster.values().stream().filter(count -> count > 0).count())
                .as("keys per master %s", keysPerMaster).isGreaterThanOrEqualTo(2);

        for (long id = 1; id <= 300; id++) {
            String dataKey = "tidemark:public.items:" + id;
            String marker = RedisRowEncoder.tombstoneKey(dataKey);
            int master = cluster.masterOf(dataKey);
            assertThat(cluster.node(master).clusterKeyslot(marker)).as("slot of %s", marker)
                    .isEqualTo(cluster.node(master).clusterKeyslot(dataKey))
                    .isEqualTo((long) SlotHash.getSlot(dataKey));
            if (id <= 60) {
                assertThat(cluster.node(master).exists(dataKey)).isZero();
                assertThat(cluster.node(master).get(marker)).as("marker on the row's own master").isEqualTo(Long.toString(2000 + id));
            } else {
                assertThat(cluster.node(master).hget(dataKey, "name")).isEqualTo("row " + id);
                assertThat(cluster.node(master).exists(marker)).isZero();
            }
        }
    }

    @Test
    @Order(2)
    void newerWinsAndReplayedOlderChangesAreNoOps() throws Exception {
        // ids 1..30 land on every master; each gets three versions
        for (int version = 1; version <= 3; version++) {
            int v = version;
            apply(LongStream.rangeClosed(1, 30)
                    .mapToObj(id -> upsert(ChangeOperation.UPDATE, id, "v" + v, v, 100L * v + id)).toArray(ChangeEvent[]::new));
        }

        try (RedisBatchApplier restored = applier(3)) {
            for (int version = 1; version <= 3; version++) {
                int v = version;
                restored.apply(batch(LongStream.rangeClosed(1, 30)
                        .mapToObj(id -> upsert(ChangeOperation.UPDATE, id, "v" + v, v, 100L * v + id)).toArray(ChangeEvent[]::new)));
            }
            assertThat(restored.applied()).as("no write at all during the replay").isZero();
            assertThat(restored.skipped()).isEqualTo(90);
            // an older change arriving after a newer one never overwrites it
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 5, "stale", 9, 50)));
            assertThat(restored.applied()).isZero();
        }

        for (long id = 1; id <= 30; id++) {
            assertThat(cluster.commands().hgetall("tidemark:public.items:" + id)).isEqualTo(Map.of(
                    "id", Long.toString(id), "name", "v3", "v", "3", "_tidemark_pos", Long.toString(300 + id)));
        }
    }

    @Test
    @Order(3)
    void aReplayedInsertNeverResurrectsADeletedKey() throws Exception {
        List<Long> ids = List.of(7L, 8L, 9L, 10L, 11L, 12L);
        apply(ids.stream().map(id -> upsert(ChangeOperation.INSERT, id, "alive", 1, 100 + id)).toArray(ChangeEvent[]::new));
        apply(ids.stream().map(id -> upsert(ChangeOperation.UPDATE, id, "updated", 2, 200 + id)).toArray(ChangeEvent[]::new));
        apply(ids.stream().map(id -> delete(id, 300 + id)).toArray(ChangeEvent[]::new));
        assertThat(ids.stream().map(id -> cluster.masterOf("tidemark:public.items:" + id)).distinct().count())
                .as("the deleted rows live on several masters").isGreaterThanOrEqualTo(2);

        try (RedisBatchApplier restored = applier(3)) {
            restored.apply(batch(ids.stream().map(id -> upsert(ChangeOperation.INSERT, id, "alive", 1, 100 + id))
                    .toArray(ChangeEvent[]::new)));
            for (long id : ids) {
                assertThat(cluster.commands().exists("tidemark:public.items:" + id))
                        .as("a replayed insert must not bring key %s back", id).isZero();
            }
            restored.apply(batch(ids.stream().map(id -> upsert(ChangeOperation.UPDATE, id, "updated", 2, 200 + id))
                    .toArray(ChangeEvent[]::new)));
            restored.apply(batch(ids.stream().map(id -> delete(id, 300 + id)).toArray(ChangeEvent[]::new)));
            assertThat(restored.applied()).isZero();
            // a genuinely newer insert of the same key is applied
            restored.apply(batch(upsert(ChangeOperation.INSERT, 7, "reborn", 1, 400)));
            assertThat(restored.applied()).isEqualTo(1);
        }

        assertThat(cluster.commands().hgetall("tidemark:public.items:7"))
                .isEqualTo(Map.of("id", "7", "name", "reborn", "v", "1", "_tidemark_pos", "400"));
        for (long id : ids.subList(1, ids.size())) {
            assertThat(cluster.commands().exists("tidemark:public.items:" + id)).isZero();
            assertThat(cluster.commands().get("{tidemark:public.items:" + id + "}:deleted")).isEqualTo(Long.toString(300 + id));
        }
    }

    @Test
    @Order(4)
    void aScriptCacheEmptiedOnEveryNodeIsReloadedAndTheBatchRetried() throws Exception {
        try (RedisBatchApplier applier = applier(3)) {
            applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "before", 1, 10)));
            cluster.commands().scriptFlush(); // every node, as after restarts or a failover to a replica without it
            applier.apply(batch(LongStream.rangeClosed(1, 30)
                    .mapToObj(id -> upsert(ChangeOperation.UPDATE, id, "after", 2, 20 + id)).toArray(ChangeEvent[]::new)));
            assertThat(applier.retries()).as("one retry after NOSCRIPT").isEqualTo(1);
            assertThat(applier.applied()).isEqualTo(31);
        }
        assertThat(cluster.commands().hget("tidemark:public.items:1", "name")).isEqualTo("after");
    }

    @Test
    @Order(5)
    void prepareChecksTheModeAgainstTheServer() throws Exception {
        new RedisChangeSink(sinkDef(RedisSinkMode.CLUSTER, cluster.uri()), Map.of()).prepare();

        try (EmbeddedRedis standalone = EmbeddedRedis.start()) {
            assertThatThrownBy(() -> new RedisChangeSink(sinkDef(RedisSinkMode.CLUSTER, standalone.uri()), Map.of()).prepare())
                    .hasMessageStartingWith("sinks.cache: cannot connect to Redis at " + standalone.uri() + ": ")
                    .hasMessageEndingWith("ERR This instance has cluster support disabled; the server is not a Redis"
                            + " Cluster node: set mode: standalone");
        }

        // a standalone client pointed at one master: a key of another master's slot is redirected, which
        // fails the job at once (never the dead-letter queue: every change would go there)
        int master = cluster.masterPorts().get(0);
        long foreignId = LongStream.rangeClosed(1, 100)
                .filter(id -> cluster.masterOf("tidemark:public.items:" + id) != master).findFirst().orElseThrow();
        try (RedisBatchApplier applier = new RedisBatchApplier(
                new RedisConnector(RedisSinkMode.STANDALONE, "redis://127.0.0.1:" + master, null), ENCODER, "cache", 3)) {
            assertThatThrownBy(() -> applier.apply(batch(upsert(ChangeOperation.INSERT, foreignId, "x", 1, 10))))
                    .hasMessageStartingWith("sink cache: Redis at redis://127.0.0.1:" + master + " refused the sink: MOVED ")
                    .hasMessageEndingWith("; the server is a Redis Cluster node: set mode: cluster");
            assertThat(applier.retries()).isZero();
        }
    }

    @Test
    @Order(6)
    void writesFollowASlotMovedToAnotherMasterAndAreRetriedWhileItMoves() throws Exception {
        String key = "tidemark:public.items:1";
        int slot = SlotHash.getSlot(key);
        try (RedisBatchApplier applier = applier(10)) {
            applier.apply(batch(upsert(ChangeOperation.INSERT, 1, "first", 1, 10), upsert(ChangeOperation.INSERT, 2, "x", 1, 11)));
            int first = cluster.masterOf(key);
            int second = cluster.masterPorts().stream().filter(port -> port != first).findFirst().orElseThrow();

            // the slot moved after the applier read the topology: the old master answers MOVED, and
            // Lettuce re-sends the call to the new one within the same attempt
            moveSlot(slot, first, second);
            long started = System.nanoTime();
            applier.apply(batch(upsert(ChangeOperation.UPDATE, 1, "moved", 2, 20), upsert(ChangeOperation.UPDATE, 2, "y", 2, 21)));
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("Batch redirected by MOVED applied in %d ms%n", millis);
            assertThat(applier.retries()).as("a redirect is followed within the attempt, not retried").isZero();
            assertThat(millis).as("the redirected call is flushed, not left to time out").isLessThan(5_000);
            assertThat(cluster.node(second).hget(key, "name")).isEqualTo("moved");
            assertThat(cluster.node(first).clusterCountKeysInSlot(slot)).isZero();

            // while the slot moves back, the script's two keys (the row moved, its marker absent) get
            // TRYAGAIN from the importing master: retried until the move is complete
            startSlotMove(slot, second, first);
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    applier.apply(batch(upsert(ChangeOperation.UPDATE, 1, "back", 3, 30)));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> applier.retries() >= 1);
            assertThat(write).isNotDone();
            finishSlotMove(slot, second, first);
            write.get(30, TimeUnit.SECONDS);
            assertThat(cluster.node(first).hget(key, "name")).isEqualTo("back");
        }
        cluster.awaitHealthy();
    }

    /**
     * {@code durability: replicas 1} waits on every master, on the connection its writes went
     * through: a frozen replica of one master keeps the batch from being acknowledged, naming that
     * master; once it runs again, the batch is.
     */
    @Test
    @Order(7)
    void replicas1WaitsForTheReplicaOfEveryMaster() throws Exception {
        List<Long> ids = LongStream.rangeClosed(1, 60).boxed().toList();
        int master = cluster.masterOf("tidemark:public.items:1");
        int replica = cluster.replicaOf(master);
        cluster.pauseNode(replica);
        try (RedisBatchApplier applier = durableApplier(Duration.ofMillis(200), 1)) {
            assertThatThrownBy(() -> applier.apply(batch(ids.stream()
                    .map(id -> upsert(ChangeOperation.INSERT, id, "first", 1, 100 + id)).toArray(ChangeEvent[]::new))))
                    .hasMessageEndingWith("still failing after 1 retries: acknowledged by 0 of 1 replica of 127.0.0.1:"
                            + master + " within 200 ms (WAIT)");
            cluster.resumeNode(replica);
            applier.apply(batch(ids.stream().map(id -> upsert(ChangeOperation.INSERT, id, "first", 1, 100 + id))
                    .toArray(ChangeEvent[]::new)));
            assertThat(applier.applied()).as("written once, by the first attempt").isEqualTo(60);
        } finally {
            cluster.resumeNode(replica);
        }
        cluster.awaitHealthy();
    }

    @Test
    @Order(8)
    void writesFollowAFailoverOfAMaster() throws Exception {
        List<Long> ids = LongStream.rangeClosed(1, 60).boxed().toList();
        try (RedisBatchApplier applier = applier(10)) {
            try (RedisBatchApplier durable = durableApplier(Duration.ofSeconds(5), 3)) {
                // acknowledged only once every master's replica has it: the master may die right after
                durable.apply(batch(ids.stream().map(id -> upsert(ChangeOperation.INSERT, id, "first", 1, 100 + id))
                        .toArray(ChangeEvent[]::new)));
            }
            int victim = cluster.masterOf("tidemark:public.items:1");

            long stopped = System.nanoTime();
            cluster.stopNode(victim);
            applier.apply(batch(ids.stream().map(id -> upsert(ChangeOperation.UPDATE, id, "second", 2, 200 + id))
                    .toArray(ChangeEvent[]::new)));
            long recoveredMillis = (System.nanoTime() - stopped) / 1_000_000;
            System.out.printf("Batch applied %d ms after its master was killed, after %d retries%n",
                    recoveredMillis, applier.retries());
            assertThat(applier.retries()).as("the dead master's slots fail until the replica takes over").isPositive();
            assertThat(cluster.masterPorts()).doesNotContain(victim).hasSize(3);

            // the promoted replica holds what the dead master had: replays stay no-ops
            long appliedBefore = applier.applied();
            applier.apply(batch(ids.stream().map(id -> upsert(ChangeOperation.INSERT, id, "first", 1, 100 + id))
                    .toArray(ChangeEvent[]::new)));
            assertThat(applier.applied()).isEqualTo(appliedBefore);
        }

        cluster.awaitHealthy();
        for (long id : ids) {
            assertThat(cluster.commands().hget("tidemark:public.items:" + id, "name")).as("row %s", id).isEqualTo("second");
        }
    }

    // ---------------------------------------------------------------------------------------

    /** Moves {@code slot} and its keys from one master to another, as {@code redis-cli --cluster reshard} does. */
    private static void moveSlot(int slot, int fromPort, int toPort) {
        startSlotMove(slot, fromPort, toPort);
        finishSlotMove(slot, fromPort, toPort);
    }

    /** Marks the slot as moving and migrates its keys; the old master answers ASK from now on. */
    private static void startSlotMove(int slot, int fromPort, int toPort) {
        RedisCommands<String, String> from = cluster.node(fromPort);
        RedisCommands<String, String> to = cluster.node(toPort);
        to.clusterSetSlotImporting(slot, from.clusterMyId());
        from.clusterSetSlotMigrating(slot, to.clusterMyId());
        List<String> keys = from.clusterGetKeysInSlot(slot, 100);
        if (!keys.isEmpty()) {
            from.migrate("127.0.0.1", toPort, 0, 5000, MigrateArgs.Builder.keys(keys));
        }
    }

    private static void finishSlotMove(int slot, int fromPort, int toPort) {
        String newOwner = cluster.node(toPort).clusterMyId();
        cluster.node(toPort).clusterSetSlotNode(slot, newOwner);
        cluster.node(fromPort).clusterSetSlotNode(slot, newOwner);
    }

    private static RedisSinkDef sinkDef(RedisSinkMode mode, String uri) {
        return new RedisSinkDef("cache", mode, uri, null, "tidemark", RedisValueFormat.HASH, null, RETENTION, 100,
                Duration.ofMillis(200), 1);
    }

    private static RedisBatchApplier applier(int maxRetries) {
        return new RedisBatchApplier(
                new RedisConnector(RedisSinkMode.CLUSTER, cluster.uri(), null), ENCODER, "test", maxRetries);
    }

    private static RedisBatchApplier durableApplier(Duration timeout, int maxRetries) {
        return new RedisBatchApplier(new RedisConnector(RedisSinkMode.CLUSTER, cluster.uri(), null, timeout), ENCODER,
                "test", maxRetries, RedisDurability.replicas(1), timeout, null);
    }

    private static void apply(ChangeEvent... events) throws Exception {
        try (RedisBatchApplier applier = applier(3)) {
            applier.apply(batch(events));
        }
    }

    /** One change per key, as the writer hands them over. */
    private static Map<String, ChangeEvent> batch(ChangeEvent... events) {
        Map<String, ChangeEvent> batch = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            batch.put(ENCODER.dataKey(e), e);
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
}
