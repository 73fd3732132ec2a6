package io.tidemark.reconcile;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
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
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tidemark reconcile} on a PostgreSQL source whose tables a real pipeline copied into a
 * PostgreSQL, a MariaDB and a Redis sink: equal while the job streams changes (nothing in flight is
 * reported), and then exactly the differences injected into each sink (a missing row, an extra one,
 * NULL against an empty string, a decimal's scale, a float, a Redis field, a key left over, a missing
 * position), on a table with an integer key (bisected key ranges) and one with a text key; then the
 * data-corruption runbook's repair while the job runs (the differing rows sent again from the
 * source, the extra ones deleted) → equal.
 */
class PostgresReconcileITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ROWS = 20_000;
    private static final int LABELS = 500;

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
    void equalWhileTheJobStreamsThenEveryInjectedDifferenceInEachSink(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("rec_src");
        runDdl(source, "reconcile-items");
        ReconcileFixtures.seedItems(source, ROWS, LABELS);
        String pgSink = createDatabase("rec_pg");
        runDdl(pgSink, "reconcile-items");
        String mySink = mariadb.createDatabase("rec_my");
        mariadb.runDdl(mySink, "mysql/reconcile-items");
        PipelineDef def = pipeline(source, pgSink, mySink);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        ReconcileReport whileStreaming;
        int changes;
        try {
            awaitEqual(def);
            try (ReconcileFixtures.Workload workload = ReconcileFixtures.Workload.start(connect(source), ROWS)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> workload.changes() >= 200);
                whileStreaming = reconcile(def, Duration.ofSeconds(60));
                changes = workload.changes();
            }
            // equal can be reported while a sink still applies the workload's last changes (a range's checksums
            // differ, its rows are downloaded and found equal by then); once every change is applied, an equal
            // table downloads no rows, in PostgreSQL and in MariaDB (the workload's random doubles included)
            ReconcileReport equal = awaitEqualWithoutDownloads(def);
            assertThat(find(equal, "public.items", "mart").method()).isEqualTo("key-range checksums");
            assertThat(find(equal, "public.labels", "warehouse").method()).startsWith("row digests");
            assertThat(find(equal, "public.labels", "warehouse").sourceRows()).isEqualTo(LABELS);

            // damage each sink
            execute(pgSink,
                    "DELETE FROM items WHERE id = 5",
                    "INSERT INTO items (id, name, price, _tidemark_pos) SELECT 900001, name, price, _tidemark_pos"
                            + " FROM items WHERE id = 6",
                    "UPDATE items SET note = '' WHERE id = 10", // NULL in the source
                    "UPDATE items SET amount = 5 WHERE id = 4", // 5.00 in the source: same number, not the same value
                    "DELETE FROM labels WHERE code = 'c-7'");
            mariadb.execute(mySink,
                    "UPDATE items SET price = price + 0.0001 WHERE id = 20", // beyond the source's scale, within the sink's
                    "UPDATE items SET small = small + 1 WHERE id = 21",
                    "DELETE FROM items WHERE id = 22",
                    "UPDATE items SET flag = false WHERE id = 11", // NULL in the source
                    "UPDATE labels SET label = 'changed' WHERE code = 'c-8'");
            var r = redis.commands();
            r.hset("rec:public.items:23", "name", "tampered");
            r.hdel("rec:public.items:24", "note");
            r.del("rec:public.items:25");
            r.hset("rec:public.items:900002", Map.of("id", "900002", "_tidemark_pos", "1"));
            r.hdel("rec:public.items:26", "_tidemark_pos");

            ReconcileReport damaged = reconcile(def, Duration.ofSeconds(1));
            assertThat(damaged.equal()).isFalse();
            assertThat(differences(find(damaged, "public.items", "warehouse"))).containsExactlyInAnyOrder(
                    "MISSING id=5", "EXTRA id=900001", "DIFFERENT id=10 note", "DIFFERENT id=4 amount");
            assertThat(find(damaged, "public.items", "warehouse").differences())
                    .filteredOn(d -> d.key().equals("id=10")).singleElement()
                    .satisfies(d -> assertThat(d.sourceValue()).isNull())
                    .satisfies(d -> assertThat(d.sinkValue()).isEmpty());
            assertThat(differences(find(damaged, "public.labels", "warehouse"))).containsExactly("MISSING code=c-7");
            assertThat(differences(find(damaged, "public.items", "mart"))).containsExactlyInAnyOrder(
                    "DIFFERENT id=20 price", "DIFFERENT id=21 small", "MISSING id=22", "DIFFERENT id=11 flag");
            assertThat(differences(find(damaged, "public.labels", "mart"))).containsExactly("DIFFERENT code=c-8 label");
            assertThat(differences(find(damaged, "public.items", "cache"))).containsExactlyInAnyOrder(
                    "DIFFERENT rec:public.items:23 name", "DIFFERENT rec:public.items:24 note",
                    "MISSING rec:public.items:25", "EXTRA rec:public.items:900002",
                    "DIFFERENT rec:public.items:26 _tidemark_pos");
            assertThat(find(damaged, "public.labels", "cache").equal()).isTrue();
            TableReconciliation bisected = find(damaged, "public.items", "mart");
            assertThat(bisected.rowsDownloaded()).as("only the differing keys' ranges are downloaded")
                    .isLessThan(3L * 2 * ReconcileOptions.DEFAULT_LEAF_ROWS + 20);

            // the data-corruption runbook, with the job running: send the differing rows again from the source
            // (an UPDATE setting the key to itself is a new change, with a position above the damaged row's,
            // so the guard lets it through in every sink) and delete what only a sink has
            execute(source, "UPDATE items SET id = id WHERE id IN (4, 5, 10, 11, 20, 21, 22, 23, 24, 25, 26)",
                    "UPDATE labels SET code = code WHERE code IN ('c-7', 'c-8')");
            execute(pgSink, "DELETE FROM items WHERE id = 900001");
            r.del("rec:public.items:900002");
            awaitEqual(def);

        } finally {
            TestJobs.cancel(client, jobId);
        }
        assertThat(changes).as("changes made while reconcile ran").isGreaterThanOrEqualTo(400);
        assertThat(whileStreaming.tables()).hasSize(6);
        assertThat(whileStreaming.tables()).as("reported while the job streamed").allSatisfy(t -> assertThat(t.differences())
                .as("%s in %s", t.table(), t.sink()).isEmpty());
        TableReconciliation streamedItems = find(whileStreaming, "public.items", "warehouse");
        assertThat(streamedItems.sourceRows()).isGreaterThan(ROWS / 2);

    }

    /**
     * Doubles of every magnitude below 1e16 (and reals widened to doubles) written alike into
     * PostgreSQL and MariaDB digest alike: PostgreSQL writes {@code 9.1e-05} where MariaDB writes
     * {@code 0.000091}, which used to send every key range holding such a value to a row-by-row
     * download. -0 is 0 (MariaDB's FLOAT keeps no sign of zero). One ulp changed in the sink is still found.
     */
    @Test
    void doublesOfEveryMagnitudeDigestAlikeAcrossDatabases() throws Exception {
        String source = createDatabase("rec_dbl");
        execute(source, "CREATE TABLE measures (id BIGINT PRIMARY KEY, x DOUBLE PRECISION, r REAL)");
        String mySink = mariadb.createDatabase("rec_dbl");
        mariadb.execute(mySink, "CREATE TABLE measures (id BIGINT PRIMARY KEY, x DOUBLE, r FLOAT)");
        List<Double> values = new java.util.ArrayList<>(List.of(0.0, 1e-4, Math.nextDown(1e-4), 1e-5, 1.5e-7,
                9.097040631431023e-05, 1e15, Math.nextDown(1e15), 4.171257763911462e15, 123.456, -0.5,
                Double.MIN_VALUE, Double.MIN_NORMAL, -2.2250738585072014e-30, -0.0));
        java.util.Random random = new java.util.Random(16);
        while (values.size() < 3_000) {
            double magnitude = Math.pow(10, random.nextInt(-30, 16));
            values.add((random.nextBoolean() ? 1 : -1) * random.nextDouble() * magnitude);
        }
        String insert = "INSERT INTO measures (id, x, r) VALUES (?, ?, ?)";
        try (java.sql.Connection pg = connect(source); java.sql.Connection my = mariadb.connect(mySink);
                java.sql.PreparedStatement a = pg.prepareStatement(insert);
                java.sql.PreparedStatement b = my.prepareStatement(insert)) {
            for (int i = 0; i < values.size(); i++) {
                for (java.sql.PreparedStatement ps : List.of(a, b)) {
                    ps.setLong(1, i);
                    ps.setDouble(2, values.get(i));
                    ps.setFloat(3, (float) values.get(i).doubleValue());
                    ps.addBatch();
                }
            }
            a.executeBatch();
            b.executeBatch();
        }
        PipelineDef def = crossDatabasePipeline(source, mySink, "public.measures");

        TableReconciliation equal = find(reconcile(def, Duration.ZERO), "public.measures", "mart");
        assertThat(equal.differences()).isEmpty();
        assertThat(equal.sourceRows()).isEqualTo(values.size());
        assertThat(equal.method()).isEqualTo("key-range checksums");
        assertThat(equal.rowsDownloaded()).as("rows downloaded from equal tables").isZero();

        mariadb.execute(mySink, "UPDATE measures SET x = " + Math.nextUp(values.get(5)) + " WHERE id = 5",
                "UPDATE measures SET r = r * 2 WHERE id = 1000");
        assertThat(differences(find(reconcile(def, Duration.ZERO), "public.measures", "mart")))
                .containsExactlyInAnyOrder("DIFFERENT id=5 x", "DIFFERENT id=1000 r");
    }

    /** A pipeline from {@code table} in {@code source} to the same table in MariaDB database {@code mySink}, for reconcile only. */
    private PipelineDef crossDatabasePipeline(String source, String mySink, String table) {
        PostgresSourceDef sourceDef = new PostgresSourceDef("127.0.0.1", port(), source, "postgres",
                Secret.literal("postgres"), List.of(table), source, source, 1000, StartupMode.INITIAL);
        JdbcSinkDef mart = new JdbcSinkDef("mart", mariadb.jdbcUrl(mySink), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), 500, Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
        String name = table.substring(table.indexOf('.') + 1);
        return new PipelineDef("it-reconcile-doubles", 1, sourceDef, List.of(mart),
                List.of(new RouteDef(table, "mart", mySink + "." + name)),
                new CheckpointingDef(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION, temp.resolve("checkpoints").toUri().toString(),
                        temp.resolve("savepoints").toUri().toString()));
    }

    private PipelineDef pipeline(String source, String pgSink, String mySink) {
        List<String> tables = List.of("public.items", "public.labels");
        PostgresSourceDef sourceDef = new PostgresSourceDef("127.0.0.1", port(), source, "postgres",
                Secret.literal("postgres"), tables, source, source, 1000, StartupMode.INITIAL);
        JdbcSinkDef warehouse = new JdbcSinkDef("warehouse", jdbcUrl(pgSink), "postgres", Secret.literal("postgres"),
                500, Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
        JdbcSinkDef mart = new JdbcSinkDef("mart", mariadb.jdbcUrl(mySink), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), 500, Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
        RedisSinkDef cache = new RedisSinkDef("cache", redis.uri(), null, "rec", RedisValueFormat.HASH, null,
                Duration.ofDays(7), 500, Duration.ofMillis(100), 3);
        List<RouteDef> routes = List.of(
                new RouteDef("public.items", "warehouse", "public.items"),
                new RouteDef("public.labels", "warehouse", "public.labels"),
                new RouteDef("public.items", "mart", mySink + ".items"),
                new RouteDef("public.labels", "mart", mySink + ".labels"),
                new RouteDef("public.items", "cache", "public.items"),
                new RouteDef("public.labels", "cache", "public.labels"));
        return new PipelineDef("it-reconcile", 2, sourceDef, List.of(warehouse, mart, cache), routes,
                new CheckpointingDef(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION, temp.resolve("checkpoints").toUri().toString(),
                        temp.resolve("savepoints").toUri().toString()));
    }

    static ReconcileReport reconcile(PipelineDef def, Duration settle) throws Exception {
        return new Reconciler(def, ReconcileOptions.defaults().withSettleTimeout(settle), ReconcileListener.NONE).run();
    }

    static void awaitEqual(PipelineDef def) {
        AtomicReference<ReconcileReport> last = new AtomicReference<>();
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> reconcile(def, Duration.ZERO), report -> {
                        last.set(report);
                        return report.equal();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("never equal; last: " + summary(last.get()), e);
        }
    }

    /** Waits for a report in which every table is equal and no key range of a JDBC sink had to be downloaded. */
    static ReconcileReport awaitEqualWithoutDownloads(PipelineDef def) {
        AtomicReference<ReconcileReport> last = new AtomicReference<>();
        try {
            return await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> reconcile(def, Duration.ZERO), report -> {
                        last.set(report);
                        return report.equal() && report.tables().stream()
                                .filter(t -> t.method().equals("key-range checksums"))
                                .allMatch(t -> t.rowsDownloaded() == 0);
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("equal tables still download rows; last: " + summary(last.get())
                    + downloads(last.get()), e);
        }
    }

    private static String downloads(ReconcileReport report) {
        return report == null ? "" : report.tables().stream()
                .map(t -> t.table() + " -> " + t.sink() + " downloaded " + t.rowsDownloaded())
                .collect(Collectors.joining("\n", "\n", ""));
    }

    static String summary(ReconcileReport report) {
        if (report == null) {
            return "no report";
        }
        StringBuilder text = new StringBuilder();
        for (TableReconciliation t : report.tables()) {
            text.append("\n").append(t.table()).append(" -> ").append(t.sink()).append(": ").append(t.sourceRows())
                    .append(" / ").append(t.sinkRows());
            t.differences().stream().limit(5).forEach(d -> text.append("\n    ").append(d.describe()));
        }
        return text.toString();
    }

    static TableReconciliation find(ReconcileReport report, String table, String sink) {
        return report.tables().stream().filter(t -> t.table().equals(table) && t.sink().equals(sink)).findFirst()
                .orElseThrow(() -> new AssertionError("no result for " + table + " in " + sink + ": " + report));
    }

    /** Each difference as {@code KIND key [column]}. */
    static List<String> differences(TableReconciliation result) {
        return result.differences().stream()
                .map(d -> d.kind() + " " + d.key() + (d.column() == null ? "" : " " + d.column()))
                .collect(Collectors.toList());
    }
}
