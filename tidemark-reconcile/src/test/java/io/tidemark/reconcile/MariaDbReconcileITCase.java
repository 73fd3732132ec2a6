package io.tidemark.reconcile;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.tidemark.reconcile.PostgresReconcileITCase.awaitEqual;
import static io.tidemark.reconcile.PostgresReconcileITCase.differences;
import static io.tidemark.reconcile.PostgresReconcileITCase.find;
import static io.tidemark.reconcile.PostgresReconcileITCase.reconcile;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tidemark reconcile} on a MariaDB source copied by a real pipeline into a PostgreSQL sink
 * and two Redis sinks (hashes and JSON documents): equal after the snapshot and a burst of changes
 * (MariaDB's BIT(1), TIMESTAMP at UTC, JSON text and FLOAT read against PostgreSQL's boolean,
 * timestamptz, jsonb and real), then exactly the differences injected into each sink.
 */
class MariaDbReconcileITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ROWS = 5_000;

    private static MariaDbTestServer mariadb;
    private static EmbeddedRedis redis;

    @TempDir
    Path temp;

    @BeforeAll
    static void startServers() throws Exception {
        mariadb = MariaDbTestServer.get();
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void equalAfterSnapshotAndStreamThenEveryInjectedDifference(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = mariadb.createDatabase("rec_src");
        mariadb.runDdl(source, "mysql/reconcile-source");
        mariadb.execute(source, "INSERT INTO items SELECT seq, CONCAT('item ', seq),"
                + " CASE WHEN seq % 5 = 0 THEN NULL WHEN seq % 5 = 1 THEN '' ELSE CONCAT('note ', seq) END,"
                + " (seq % 1000) + 0.5, seq / 7, seq / 3, CASE WHEN seq % 11 = 0 THEN NULL ELSE seq % 2 END,"
                + " TIMESTAMP '2024-02-29 09:00:00' + INTERVAL seq SECOND + INTERVAL seq MICROSECOND,"
                + " TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE,"
                + " DATE '2024-01-01' + INTERVAL (seq % 400) DAY, SEC_TO_TIME(seq % 86400),"
                + " JSON_OBJECT('k', seq, 's', CONCAT('x ', seq)), UNHEX(MD5(seq))"
                + " FROM seq_1_to_" + ROWS);
        String pgSink = createDatabase("rec_maria_pg");
        runDdl(pgSink, "reconcile-mariadb-items");
        String table = source + ".items";
        PipelineDef def = pipeline(table, pgSink);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        try {
            awaitEqual(def);
            mariadb.execute(source,
                    "UPDATE items SET name = CONCAT(name, ' v2'), price = price + 1, flag = NOT flag WHERE id > 4000",
                    "DELETE FROM items WHERE id BETWEEN 3000 AND 3100",
                    "INSERT INTO items (id, name, price, created, payload) SELECT seq, 'new', 9.90,"
                            + " TIMESTAMP '2026-12-06 12:00:00.123456', '{\"b\":  [1, 2.50]}' FROM seq_10001_to_10500");
            awaitEqual(def);
        } finally {
            TestJobs.cancel(client, jobId);
        }
        ReconcileReport equal = reconcile(def, Duration.ZERO);
        assertThat(equal.equal()).isTrue();
        assertThat(find(equal, table, "warehouse").sourceRows()).isEqualTo(ROWS - 101 + 500);
        // MariaDB keeps a JSON document's text as written, jsonb respaces it: only the range of the 500 rows
        // inserted with '{"b":  [1, 2.50]}' has other digests on the two sides and is compared row by row
        assertThat(find(equal, table, "warehouse").rowsDownloaded())
                .as("every other value has the same canonical text in MariaDB and PostgreSQL")
                .isBetween(1000L, 2L * ReconcileOptions.DEFAULT_LEAF_ROWS);

        execute(pgSink,
                "UPDATE items SET flag = NULL WHERE id = 3",
                "UPDATE items SET created = created + interval '1 hour' WHERE id = 4",
                "DELETE FROM items WHERE id = 5",
                "UPDATE items SET payload = '{\"k\": 6, \"s\": \"changed\"}' WHERE id = 6");
        var r = redis.commands();
        r.hset("rec:" + table + ":7", "price", "7.5"); // 7.50 in the source: the sink writes the scale
        r.hdel("rec:" + table + ":8", "flag");
        r.set("doc:" + table + ":9", r.get("doc:" + table + ":9").replace("item 9", "item nine"));
        r.del("doc:" + table + ":10");

        ReconcileReport damaged = reconcile(def, Duration.ofSeconds(1));
        assertThat(differences(find(damaged, table, "warehouse"))).containsExactlyInAnyOrder(
                "DIFFERENT id=3 flag", "DIFFERENT id=4 created", "MISSING id=5", "DIFFERENT id=6 payload");
        assertThat(differences(find(damaged, table, "cache"))).containsExactlyInAnyOrder(
                "DIFFERENT rec:" + table + ":7 price", "DIFFERENT rec:" + table + ":8 flag");
        assertThat(differences(find(damaged, table, "documents"))).containsExactlyInAnyOrder(
                "DIFFERENT doc:" + table + ":9 name", "MISSING doc:" + table + ":10");
    }

    private PipelineDef pipeline(String table, String pgSink) {
        MySqlSourceDef sourceDef = new MySqlSourceDef("127.0.0.1", mariadb.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of(table), "5801-5804", "UTC", 1000,
                StartupMode.INITIAL);
        JdbcSinkDef warehouse = new JdbcSinkDef("warehouse", jdbcUrl(pgSink), "postgres", Secret.literal("postgres"),
                500, Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
        RedisSinkDef cache = new RedisSinkDef("cache", redis.uri(), null, "rec", RedisValueFormat.HASH, null,
                Duration.ofDays(7), 500, Duration.ofMillis(100), 3);
        RedisSinkDef documents = new RedisSinkDef("documents", redis.uri(), null, "doc", RedisValueFormat.JSON, null,
                Duration.ofDays(7), 500, Duration.ofMillis(100), 3);
        List<RouteDef> routes = List.of(
                new RouteDef(table, "warehouse", "public.items"),
                new RouteDef(table, "cache", table),
                new RouteDef(table, "documents", table));
        return new PipelineDef("it-reconcile-maria", 2, sourceDef, List.of(warehouse, cache, documents), routes,
                new CheckpointingDef(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION, temp.resolve("checkpoints").toUri().toString(),
                        temp.resolve("savepoints").toUri().toString()));
    }
}
