package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every value a PostgreSQL user has — numeric NaN and ±Infinity, ±infinity dates and timestamps,
 * arbitrary-precision numerics, intervals, network and money types, timetz, enums, domains, xml,
 * bit strings, ranges, hstore and arrays of any dimension — reaches a PostgreSQL sink exactly, in
 * the snapshot and in the stream.
 */
class PostgresValuesITCase extends PostgresTestBase implements MiniClusterTests {

    static final String COLUMNS = "id, num, num_scaled, f8, f4, born, ts, tstz, span, addr, net, mac, mac8, price,"
            + " clock, feeling, qty, doc::text AS doc, flags, vflags, ints, periods, amounts, attrs, grid, words, moods,"
            + " decimals, stamps, blobs, checks, reading";

    /**
     * Rows with the special and the unusual values, ids from {@code base}; a numeric ±Infinity only
     * where {@code numericInfinity} (Debezium 1.9's pgoutput decoder cannot read it: see the README).
     */
    static String[] rows(int base, boolean numericInfinity) {
        String infinity = numericInfinity ? "'Infinity'" : "'NaN'";
        String minusInfinity = numericInfinity ? "'-Infinity'" : "-1e-30";
        return new String[] {
            "INSERT INTO pg_values VALUES (" + (base + 1) + ", 'NaN', 'NaN', 'NaN', 'Infinity', 'infinity',"
                    + " 'infinity', 'infinity', '1 year 2 mons 3 days 04:05:06.789', '192.168.0.1/24',"
                    + " '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', 1234.56,"
                    + " '04:05:06.789+02', 'happy', 7, '<a b=\"1\">x &amp; y</a>', B'1010', B'10110', '[1,10)',"
                    + " '[2024-01-01 00:00+00,2024-06-01 00:00+00)', '(1.5,2.5]', '\"k\"=>\"v\", \"x y\"=>NULL',"
                    + " '{{1,2},{3,4}}', '{{a,b},{\"c d\",NULL}}', '{sad,happy}', '{NaN,1.50,-Infinity,NULL}',"
                    + " '{\"2024-01-01 00:00:00+00\",infinity}', '{\"\\\\x00ff\",NULL}', '{{t,f},{NULL,t}}', 'NaN')",
            "INSERT INTO pg_values VALUES (" + (base + 2) + ", " + infinity + ", -0.01, '-Infinity', 'NaN', '-infinity',"
                    + " '-infinity', '-infinity', '-1 days -00:00:01', '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff',"
                    + " '00:00:00:00:00:00:00:00', -12.34, '23:59:59.999999-11:30', 'sad', 1, '<empty/>', B'0000',"
                    + " B'', 'empty', '(,2024-01-01 00:00+00]', '[0,)', '', '{{{1}},{{2}}}', '{}', '{}', '{}', '{}', '{}', '{}', 'Infinity')",
            "INSERT INTO pg_values (id, num, span, doc) VALUES (" + (base + 3) + ", " + minusInfinity + ", '0', '')",
            "INSERT INTO pg_values (id, num) VALUES (" + (base + 4) + ", 1e30)",
            "INSERT INTO pg_values (id, num) VALUES (" + (base + 5) + ", 1e-30)",
            "INSERT INTO pg_values (id, num, num_scaled) VALUES (" + (base + 6) + ","
                    + " 123456789012345678901234567890.123456789012345678901234567890, 9999999999.99)",
            "INSERT INTO pg_values (id) VALUES (" + (base + 7) + ")",
            "INSERT INTO pg_values VALUES (" + (base + 8) + ", 12.5, 3.25, 1.5, 2.25, '2024-02-29',"
                    + " '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.654321+02', '1 year 2 mons', '10.1.2.3',"
                    + " '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', 99.95, '04:05:06+02', 'ok', 3,"
                    + " '<x/>', B'1010', B'1', '[1,5)', '[2024-01-01 00:00+00,2024-02-01 00:00+00)', '[1.5,2.5)',"
                    + " 'a=>1', '{{1,2},{3,4}}', '{{a,\"b c\"}}', '{ok}', '{1.5,NULL}',"
                    + " '{\"2024-01-01 00:00:00+00\"}', '{\"\\\\x01\"}', '{t,NULL}', 1.25)",
        };
    }

    @TempDir
    Path temp;

    @Test
    void everyPostgresValueRoundTripsInSnapshotAndStream(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_values");
        String sink = createDatabase("sink_values");
        runDdl(source, "pg-values");
        runDdl(sink, "pg-values");
        execute(source, rows(0, true));

        PipelineDef def = pipeline("it-values", source, sink, List.of("public.pg_values"), temp, 1);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                TestJobs.requireNotFailed(client, jobId);
                assertThat(count(sink, "SELECT count(*) FROM pg_values")).isEqualTo(8);
            });

            execute(source, rows(100, true));
            execute(source,
                    "UPDATE pg_values SET num = 'Infinity', born = '-infinity', tstz = now(), grid = '{{5,6},{7,8}}', words = '{{\"}\",\",\"},{\"\\\\\",\"NULL\"}}'"
                            + " WHERE id = 1",
                    "UPDATE pg_values SET num = 'NaN', num_scaled = 'NaN', attrs = 'a=>b' WHERE id = 4",
                    "UPDATE pg_values SET num = 1e-30, ts = 'infinity', span = '-178000000 years' WHERE id = 2",
                    "DELETE FROM pg_values WHERE id = 3",
                    "DELETE FROM pg_values WHERE id = 101");

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                TestJobs.requireNotFailed(client, jobId);
                assertThat(rows(sink, "pg_values", COLUMNS, "id"))
                        .containsExactlyElementsOf(rows(source, "pg_values", COLUMNS, "id"));
            });
            List<String> expected = rows(source, "pg_values", COLUMNS, "id");
            assertThat(expected).hasSize(14);
            assertThat(String.join("\n", expected))
                    .contains("NaN", "Infinity", "-infinity", "1000000000000000000000000000000",
                            "0.000000000000000000000000000001", "x &amp; y", "04:05:06.789+02",
                            "[[5,6],[7,8]]", "[[[1]],[[2]]]");
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /**
     * MariaDB has no NaN, no infinities and no infinite dates: a row holding one is refused by the
     * sink and lands in its dead-letter queue, every other row flows, in the documented mapping
     * (docs/value-mapping.md).
     */
    @Test
    void valuesMariaDbCannotTakeGoToItsDeadLetterQueueWhileTheRestFlows(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_values_maria");
        runDdl(source, "pg-values");
        execute(source, rows(0, true));
        MariaDbTestServer mariadb = MariaDbTestServer.get();
        String sinkDb = mariadb.createDatabase("sink_values");
        mariadb.execute(sinkDb, "CREATE TABLE pg_values (id INT PRIMARY KEY, num DECIMAL(65, 30), num_scaled DECIMAL(12, 2),"
                + " f8 DOUBLE, f4 FLOAT, born DATE, ts DATETIME(6), tstz DATETIME(6), span VARCHAR(64), addr VARCHAR(64),"
                + " net VARCHAR(64), mac VARCHAR(32), mac8 VARCHAR(32), price DECIMAL(19, 2), clock VARCHAR(32),"
                + " feeling VARCHAR(16), qty INT, doc TEXT, flags VARCHAR(64), vflags VARCHAR(64), ints VARCHAR(64),"
                + " periods VARCHAR(128), amounts VARCHAR(64), attrs TEXT, grid JSON, words JSON, moods JSON,"
                + " decimals JSON, stamps JSON, blobs JSON, checks JSON, reading DECIMAL(20, 4)) CHARACTER SET utf8mb4");

        PipelineDef base = pipeline("it-values-maria", source, "unused", List.of("public.pg_values"), temp, 1);
        JdbcSinkDef sink = new JdbcSinkDef("warehouse", mariadb.jdbcUrl(sinkDb), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), 2000, Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), base.source(), List.of(sink),
                List.of(new RouteDef("public.pg_values", "warehouse", sinkDb + ".pg_values")), base.checkpointing());
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
        try {
            execute(source, rows(100, true));
            execute(source, "UPDATE pg_values SET num = 'NaN' WHERE id = 5", "DELETE FROM pg_values WHERE id = 6");
            // every row holding a NaN, an infinity or an infinite date, and nothing else
            List<String> refused = List.of("1", "2", "3", "5", "101", "102", "103");
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                TestJobs.requireNotFailed(client, jobId);
                assertThat(mariaColumn(mariadb, sinkDb, "SELECT DISTINCT row_key FROM _tidemark_dlq ORDER BY row_key"))
                        .containsExactlyInAnyOrderElementsOf(refused);
                assertThat(mariaColumn(mariadb, sinkDb, "SELECT id FROM pg_values ORDER BY id"))
                        .containsExactly("4", "7", "8", "104", "105", "106", "107", "108");
            });
            assertThat(mariaColumn(mariadb, sinkDb, "SELECT CAST(num AS CHAR) FROM pg_values WHERE id IN (104, 105, 106)"
                    + " ORDER BY id")).containsExactly(
                    "1000000000000000000000000000000.000000000000000000000000000000",
                    "0.000000000000000000000000000001",
                    "123456789012345678901234567890.123456789012345678901234567890");
            String mapped = "SELECT CONCAT_WS(' | ', num, num_scaled, f8, f4, born, ts, tstz, span, addr, net, mac, mac8,"
                    + " price, clock, feeling, qty, doc, flags, vflags, ints, periods, amounts, attrs, grid, words, moods,"
                    + " decimals, stamps, blobs, checks, reading) FROM pg_values WHERE id IN (8, 108) ORDER BY id";
            String expected = "12.500000000000000000000000000000 | 3.25 | 1.5 | 2.25 | 2024-02-29"
                    + " | 2024-01-02 03:04:05.123456 | 2024-01-02 01:04:05.654321 | P1Y2M0DT0H0M0S | 10.1.2.3"
                    + " | 10.0.0.0/8 | 08:00:2b:01:02:03 | 08:00:2b:01:02:03:04:05 | 99.95 | 04:05:06+02:00 | ok | 3"
                    + " | <x/> | 1010 | 1 | [1,5) | [\"2024-01-01 00:00:00+00\",\"2024-02-01 00:00:00+00\") | [1.5,2.5)"
                    + " | \"a\"=>\"1\" | [[1,2],[3,4]] | [[\"a\",\"b c\"]] | [\"ok\"] | [1.5,null]"
                    + " | [\"2024-01-01 00:00:00+00\"] | [\"AQ==\"] | [true,null] | 1.2500";
            assertThat(mariaColumn(mariadb, sinkDb, mapped)).containsExactly(expected, expected);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /** The same values in Redis hash fields, as docs/value-mapping.md and docs/redis-sink.md list them. */
    @Test
    void valuesReachRedisAsDocumented(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_values_redis");
        runDdl(source, "pg-values");
        execute(source, rows(0, true));
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            PipelineDef base = pipeline("it-values-redis", source, "unused", List.of("public.pg_values"), temp, 1);
            RedisSinkDef sink = new RedisSinkDef("cache", redis.uri(), null, "tm", RedisValueFormat.HASH, null,
                    Duration.ofDays(7), 1000, Duration.ofMillis(100), 3);
            PipelineDef def = new PipelineDef(base.name(), 1, base.source(), List.of(sink),
                    List.of(new RouteDef("public.pg_values", "cache", "public.pg_values")), base.checkpointing());
            PipelineJob job = PipelineJob.of(def);
            job.prepare();
            JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
            try {
                execute(source, rows(100, true));
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    TestJobs.requireNotFailed(client, jobId);
                    assertThat(redis.keys("tm:public.pg_values:*")).hasSize(16);
                });
                for (String id : List.of("8", "108")) {
                    assertThat(redis.commands().hgetall("tm:public.pg_values:" + id)).containsAllEntriesOf(Map.ofEntries(
                            Map.entry("num", "12.5"), Map.entry("num_scaled", "3.25"), Map.entry("f8", "1.5"),
                            Map.entry("born", "2024-02-29"), Map.entry("ts", "2024-01-02T03:04:05.123456"),
                            Map.entry("tstz", "2024-01-02T01:04:05.654321Z"), Map.entry("span", "P1Y2M0DT0H0M0S"),
                            Map.entry("addr", "10.1.2.3"), Map.entry("price", "99.95"), Map.entry("clock", "04:05:06+02:00"),
                            Map.entry("feeling", "ok"), Map.entry("qty", "3"), Map.entry("flags", "1010"),
                            Map.entry("periods", "[\"2024-01-01 00:00:00+00\",\"2024-02-01 00:00:00+00\")"),
                            Map.entry("attrs", "\"a\"=>\"1\""), Map.entry("grid", "[[1,2],[3,4]]"),
                            Map.entry("words", "[[\"a\",\"b c\"]]"), Map.entry("decimals", "[1.5,null]"),
                            Map.entry("stamps", "[\"2024-01-01 00:00:00+00\"]"), Map.entry("blobs", "[\"AQ==\"]"),
                            Map.entry("checks", "[true,null]"), Map.entry("reading", "1.25")));
                }
                for (String id : List.of("1", "101")) {
                    assertThat(redis.commands().hgetall("tm:public.pg_values:" + id)).containsAllEntriesOf(Map.of(
                            "num", "NaN", "num_scaled", "NaN", "f4", "Infinity", "born", "infinity", "ts", "infinity",
                            "tstz", "infinity", "reading", "NaN"));
                }
                assertThat(redis.commands().hget("tm:public.pg_values:102", "num")).isEqualTo("Infinity");
                assertThat(redis.commands().hget("tm:public.pg_values:3", "num")).isEqualTo("-Infinity");
                assertThat(redis.commands().hget("tm:public.pg_values:106", "num"))
                        .isEqualTo("123456789012345678901234567890.123456789012345678901234567890");
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    private static List<String> mariaColumn(MariaDbTestServer mariadb, String database, String sql) throws Exception {
        List<String> values = new java.util.ArrayList<>();
        try (java.sql.Connection c = mariadb.connect(database);
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
