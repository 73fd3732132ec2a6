package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.Rows;
import io.tidemark.pipeline.testing.TestJobs;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Schemas, tables and columns named as users name them — capitals, spaces, symbols — written in
 * {@code pipeline.yaml} with SQL-style double quotes and carried end to end: a PostgreSQL table
 * {@code "Sales"."Order-Items"} (composite key with {@code "Line No"}, a {@code "Total $"} column,
 * a {@code "Customer"} column) into a PostgreSQL sink under another quoted name with spaces, quotes
 * and parentheses, a MariaDB sink table {@code `Order Items`} and Redis, snapshot then stream with
 * three failures injected; and a MariaDB table {@code `Order-Lines`} in a database
 * {@code `Shop-Floor-N`} into PostgreSQL. Before, such tables could not be configured at all
 * ({@code source.tables[0]: expected schema.table}). Source table names keep to what Flink CDC 3.5
 * can carry (no space, dot or quote; see {@code TableNames}).
 */
class QuotedIdentifiersITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int SNAPSHOT_ROWS = 300;

    private static EmbeddedRedis redis;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @TempDir
    Path temp;

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
    void aQuotedPostgresTableReachesPostgresMariaDbAndRedis(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_quoted");
        String sink = createDatabase("sink_quoted");
        String mariaSink = mariadb.createDatabase("sink_quoted");
        execute(source, "CREATE SCHEMA \"Sales\"",
                "CREATE TABLE \"Sales\".\"Order-Items\" (\"Order Id\" BIGINT, \"Line No\" INT,"
                        + " \"Total $\" NUMERIC(12, 2) NOT NULL, \"Customer\" TEXT, note TEXT,"
                        + " PRIMARY KEY (\"Order Id\", \"Line No\"))",
                "ALTER TABLE \"Sales\".\"Order-Items\" REPLICA IDENTITY FULL");
        execute(sink, "CREATE SCHEMA \"Reporting\"",
                "CREATE TABLE \"Reporting\".\"Line \"\"Items\"\" (copy)\" (\"Order Id\" BIGINT, \"Line No\" INT,"
                        + " \"Total $\" NUMERIC(12, 2) NOT NULL, \"Customer\" TEXT, note TEXT,"
                        + " PRIMARY KEY (\"Order Id\", \"Line No\"))");
        mariadb.execute(mariaSink, "CREATE TABLE `Order Items` (`Order Id` BIGINT, `Line No` INT,"
                + " `Total $` DECIMAL(12, 2) NOT NULL, `Customer` TEXT, note TEXT, PRIMARY KEY (`Order Id`, `Line No`))"
                + " CHARACTER SET utf8mb4");
        OrderItems items = new OrderItems("\"Sales\".\"Order-Items\"", '"', 17);
        try (Connection c = connect(source)) {
            items.seed(c, SNAPSHOT_ROWS);
        }
        PipelineDef def = PipelineConfigLoader.parse("""
                pipeline:
                  name: it-quoted
                  parallelism: 2
                source:
                  type: postgres
                  hostname: 127.0.0.1
                  port: %d
                  database: %s
                  username: postgres
                  password: postgres
                  tables:
                    - '"Sales"."Order-Items"'
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: %s
                    username: postgres
                    password: postgres
                    flush-interval: 100ms
                  - name: shop
                    type: jdbc
                    url: %s?useSSL=false
                    username: %s
                    password: %s
                    flush-interval: 100ms
                  - name: cache
                    type: redis
                    uri: %s
                    key-prefix: quoted
                    flush-interval: 100ms
                routes:
                  - source-table: '"Sales"."Order-Items"'
                    sink: warehouse
                    sink-table: '"Reporting"."Line ""Items"" (copy)"'
                  - source-table: '"Sales"."Order-Items"'
                    sink: shop
                    sink-table: '%s."Order Items"'
                  - source-table: '"Sales"."Order-Items"'
                    sink: cache
                dead-letter-queue:
                  type: none
                checkpointing:
                  interval: 1s
                  timeout: 60s
                  min-pause: 200ms
                  checkpoints-dir: %s
                  savepoints-dir: %s
                """.formatted(port(), source, jdbcUrl(sink), mariadb.jdbcUrl(mariaSink), MariaDbTestServer.USER,
                        MariaDbTestServer.PASSWORD, redis.uri(), mariaSink,
                        temp.resolve("checkpoints").toUri(), temp.resolve("savepoints").toUri()), "pipeline.yaml");
        String scenario = "quoted-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 100, 250, 400);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        try {
            String pgSink = "\"Reporting\".\"Line \"\"Items\"\" (copy)\"";
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> postgresRows(sink, pgSink).size() == SNAPSHOT_ROWS
                            && mariaRows(mariaSink).size() == SNAPSHOT_ROWS && redisRows().size() == SNAPSHOT_ROWS);
            try (Connection c = connect(source)) {
                for (int round = 0; round < 3; round++) {
                    items.run(c, 200);
                    Thread.sleep(300);
                }
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                List<String> expected = postgresRows(source, "\"Sales\".\"Order-Items\"");
                return expected.equals(postgresRows(sink, pgSink)) && expected.equals(mariaRows(mariaSink))
                        && expected.equals(redisRows());
            });
            List<String> expected = postgresRows(source, "\"Sales\".\"Order-Items\"");
            assertThat(postgresRows(sink, pgSink)).containsExactlyElementsOf(expected);
            assertThat(mariaRows(mariaSink)).containsExactlyElementsOf(expected);
            assertThat(redisRows()).containsExactlyElementsOf(expected);
            assertThat(redis.keys("quoted:Sales.\"Order-Items\":*")).hasSize(expected.size());
            assertThat(count(sink, "SELECT count(*) FROM _tidemark_truncations"
                    + " WHERE table_name = 'Reporting.\"Line \"\"Items\"\" (copy)\"'"))
                    .as("the sink table's mark row under its quoted name").isOne();
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    @Test
    void aMariaDbTableWithASpaceInItsNameReachesPostgres(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String sourceDb = "Shop-Floor-" + System.nanoTime() % 100_000;
        mariadb.execute("", "CREATE DATABASE `" + sourceDb + "` CHARACTER SET utf8mb4");
        mariadb.execute(sourceDb, "CREATE TABLE `Order-Lines` (`Order Id` BIGINT, `Line No` INT,"
                + " `Total $` DECIMAL(12, 2) NOT NULL, `Customer` TEXT, note TEXT, PRIMARY KEY (`Order Id`, `Line No`))"
                + " CHARACTER SET utf8mb4");
        String sink = createDatabase("sink_quoted_from_maria");
        execute(sink, "CREATE SCHEMA \"Sales\"",
                "CREATE TABLE \"Sales\".\"Order-Lines\" (\"Order Id\" BIGINT, \"Line No\" INT,"
                        + " \"Total $\" NUMERIC(12, 2) NOT NULL, \"Customer\" TEXT, note TEXT,"
                        + " PRIMARY KEY (\"Order Id\", \"Line No\"))");
        OrderItems items = new OrderItems("`" + sourceDb + "`.`Order-Lines`", '`', 23);
        try (Connection c = mariadb.connect("")) {
            items.seed(c, SNAPSHOT_ROWS);
        }
        PipelineDef def = PipelineConfigLoader.parse("""
                pipeline:
                  name: it-quoted-maria
                source:
                  type: mysql
                  hostname: 127.0.0.1
                  port: %d
                  username: %s
                  password: %s
                  server-id: 5461-5462
                  tables:
                    - '"%s"."Order-Lines"'
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: %s
                    username: postgres
                    password: postgres
                    flush-interval: 100ms
                routes:
                  - source-table: '"%s"."Order-Lines"'
                    sink: warehouse
                    sink-table: '"Sales"."Order-Lines"'
                checkpointing:
                  interval: 1s
                  timeout: 60s
                  min-pause: 200ms
                  checkpoints-dir: %s
                  savepoints-dir: %s
                """.formatted(mariadb.port(), MariaDbTestServer.USER, MariaDbTestServer.PASSWORD, sourceDb,
                        jdbcUrl(sink), sourceDb, temp.resolve("checkpoints").toUri(),
                        temp.resolve("savepoints").toUri()), "pipeline.yaml");
        PipelineJob job = PipelineJob.of(def);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> postgresRows(sink, "\"Sales\".\"Order-Lines\"").size() == SNAPSHOT_ROWS);
            try (Connection c = mariadb.connect("")) {
                items.run(c, 300);
            }
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> mariaSourceRows(sourceDb).equals(postgresRows(sink, "\"Sales\".\"Order-Lines\"")));
            assertThat(postgresRows(sink, "\"Sales\".\"Order-Lines\"")).containsExactlyElementsOf(mariaSourceRows(sourceDb));
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    // ---------------------------------------------------------------------------------------

    /** Inserts, updates and deletes on an order-items table, in PostgreSQL or MariaDB quoting. */
    private record OrderItems(String table, char quote, long seed) {

        void seed(Connection c, int rows) throws Exception {
            try (Statement st = c.createStatement()) {
                for (int i = 1; i <= rows; i++) {
                    st.execute(insert(1 + (i - 1) / 3, 1 + (i - 1) % 3, i));
                }
            }
        }

        void run(Connection c, int changes) throws Exception {
            Random random = new Random(seed + changes);
            try (Statement st = c.createStatement()) {
                for (int i = 0; i < changes; i++) {
                    long order = 1 + random.nextInt(SNAPSHOT_ROWS / 2);
                    int line = 1 + random.nextInt(4);
                    String where = " WHERE " + q("Order Id") + " = " + order + " AND " + q("Line No") + " = " + line;
                    int dice = random.nextInt(10);
                    if (dice < 4) {
                        st.execute("DELETE FROM " + table + where);
                        st.execute(insert(order, line, i));
                    } else if (dice < 8) {
                        st.execute("UPDATE " + table + " SET " + q("Total $") + " = " + q("Total $") + " + 1.25, "
                                + q("Customer") + " = 'Kunde " + i + "', note = NULL" + where);
                    } else {
                        st.execute("DELETE FROM " + table + where);
                    }
                }
            }
        }

        private String insert(long order, int line, int i) {
            return "INSERT INTO " + table + " (" + q("Order Id") + ", " + q("Line No") + ", " + q("Total $") + ", "
                    + q("Customer") + ", note) VALUES (" + order + ", " + line + ", " + (i % 97) + ".50, 'Customer "
                    + i + "', " + (i % 5 == 0 ? "NULL" : "'note \"" + i + "\"'") + ")";
        }

        private String q(String column) {
            return quote + column + quote;
        }
    }

    private static final String PG_ROW = "concat_ws('|', \"Order Id\", \"Line No\", \"Total $\"::text,"
            + " coalesce(\"Customer\", '<null>'), coalesce(note, '<null>'))";

    private static List<String> postgresRows(String db, String table) throws Exception {
        return Rows.collect(connect(db), "SELECT " + PG_ROW + " FROM " + table + " ORDER BY \"Order Id\", \"Line No\"");
    }

    private List<String> mariaRows(String db) throws Exception {
        return Rows.collect(mariadb.connect(db), "SELECT CONCAT_WS('|', `Order Id`, `Line No`, CAST(`Total $` AS CHAR),"
                + " COALESCE(`Customer`, '<null>'), COALESCE(note, '<null>')) FROM `Order Items`"
                + " ORDER BY `Order Id`, `Line No`");
    }

    private List<String> mariaSourceRows(String db) throws Exception {
        return Rows.collect(mariadb.connect(""), "SELECT CONCAT_WS('|', `Order Id`, `Line No`,"
                + " CAST(`Total $` AS CHAR), COALESCE(`Customer`, '<null>'), COALESCE(note, '<null>'))"
                + " FROM `" + db + "`.`Order-Lines` ORDER BY `Order Id`, `Line No`");
    }

    /** Every row hash of the Redis sink as the same text, in key order (order id, line no). */
    private static List<String> redisRows() {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.commands().scan(cursor,
                    ScanArgs.Builder.matches("quoted:Sales.\"Order-Items\":*").limit(1000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        List<Object[]> found = new ArrayList<>();
        for (String key : keys) {
            Map<String, String> row = redis.commands().hgetall(key);
            if (row.isEmpty()) {
                continue;
            }
            found.add(new Object[] {Long.parseLong(row.get("Order Id")), Integer.parseInt(row.get("Line No")),
                    String.join("|", row.get("Order Id"), row.get("Line No"),
                            new BigDecimal(row.get("Total $")).setScale(2).toPlainString(),
                            row.getOrDefault("Customer", "<null>"), row.getOrDefault("note", "<null>"))});
        }
        found.sort(Comparator.<Object[]>comparingLong(f -> (long) f[0]).thenComparingInt(f -> (int) f[1]));
        return found.stream().map(f -> (String) f[2]).toList();
    }
}
