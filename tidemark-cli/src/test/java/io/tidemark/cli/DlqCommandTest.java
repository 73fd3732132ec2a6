package io.tidemark.cli;

import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterKind;
import io.tidemark.pipeline.dlq.JdbcDeadLetterQueue;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkPreparer;
import io.tidemark.pipeline.sink.jdbc.dialect.PostgresSinkDialect;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tidemark dlq list | show | replay | purge} as a user runs them, against a real PostgreSQL
 * sink (embedded) whose queue holds a rejected change, a change parked behind it and a change older
 * than what the sink holds: exact lines, exit codes, and no secret in any output.
 */
class DlqCommandTest {

    private static final String PASSWORD = "dlq-s3cr3t-pw";
    private static final TableId ORDERS = new TableId("public", "orders");
    private static final String[] COLUMNS = {"id", "customer", "amount", "note", "version"};
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    @TempDir
    Path dir;

    private String db;
    private Path file;

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void createSinkWithQueueEntries() throws Exception {
        db = "sink_cli_" + DATABASES.incrementAndGet();
        sql("postgres", "CREATE DATABASE " + db);
        sql(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(12, 2) NOT NULL,"
                + " note VARCHAR(60), version INT NOT NULL)");
        Path passwordFile = Files.writeString(dir.resolve("sink-password"), PASSWORD);
        JdbcConnectionFactory connections = new JdbcConnectionFactory(url(), "postgres", Secret.literal(PASSWORD));
        new JdbcSinkPreparer("warehouse", connections, new PostgresSinkDialect()).prepare(Map.of(ORDERS, ORDERS));
        sql(db, "INSERT INTO orders VALUES (1, 'c1', 1.00, 'ok', 1, 50), (2, 'c2', 2.00, 'newest', 3, 200)");
        try (JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(connections, "_tidemark_dlq")) {
            queue.prepare();
            Instant t = Instant.parse("2026-01-02T03:04:05Z");
            queue.add(List.of(
                    letter(upsert(1, "n".repeat(100), 2, 100), DeadLetterKind.REJECTED, "22001",
                            "ERROR: value too long for type character varying(60)", t),
                    letter(upsert(2, "older", 2, 110), DeadLetterKind.REJECTED, "23514",
                            "ERROR: new row violates check constraint", t.plusSeconds(60)),
                    letter(upsert(1, "after", 3, 120), DeadLetterKind.PARKED, "parked",
                            "waits behind an earlier rejected change of this row", t.plusSeconds(120))));
        }
        file = Files.writeString(dir.resolve("pipeline.yaml"), """
                pipeline:
                  name: shop
                source:
                  type: postgres
                  hostname: 127.0.0.1
                  database: shop
                  username: tidemark
                  password: ${env:SOURCE_PASSWORD}
                  tables: [public.orders]
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: %s
                    username: postgres
                    password: ${file:%s}
                """.formatted(url(), passwordFile));
    }

    @Test
    void listPrintsOneLinePerPendingEntryInPositionOrder() {
        CliRun run = CliRun.of("dlq", "list", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
        assertThat(run.outLines()).hasSize(4);
        assertThat(run.outLines().get(0)).startsWith("ID").contains("TIME", "TABLE", "KEY", "OP", "POSITION", "KIND",
                "ERROR", "ATTEMPTS", "REPLAYED");
        assertThat(run.outLines().get(1).split("\\s+")).containsExactly(
                "1", "2026-01-02T03:04:10Z", "warehouse", "public.orders", "1", "UPDATE", "100", "REJECTED", "22001", "3", "no");
        assertThat(run.outLines().get(2).split("\\s+")).contains("2", "110", "23514");
        assertThat(run.outLines().get(3).split("\\s+")).contains("3", "120", "PARKED", "parked");
        assertThat(run.err()).isEmpty();
        assertNoSecret(run);
    }

    @Test
    void listFiltersAndJson() {
        CliRun byKey = CliRun.of("dlq", "list", file.toString(), "--key", "1", "--error-class", "parked");
        assertThat(byKey.outLines()).hasSize(2);
        assertThat(byKey.outLines().get(1)).contains("PARKED");

        CliRun byTime = CliRun.of("dlq", "list", file.toString(), "--from", "2026-01-02T03:05:00Z",
                "--to", "2026-01-02T03:06:00Z", "--table", "public.orders");
        assertThat(byTime.outLines()).hasSize(2);
        assertThat(byTime.outLines().get(1)).contains("23514");

        CliRun json = CliRun.of("dlq", "list", file.toString(), "--key", "2", "--output", "json");
        assertThat(json.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(json.out().strip()).isEqualTo("{\"pipeline\":\"shop\",\"entries\":[{\"id\":2,\"sink\":\"warehouse\","
                + "\"time\":\"2026-01-02T03:05:10Z\",\"table\":\"public.orders\",\"key\":\"2\",\"operation\":\"UPDATE\","
                + "\"position\":110,\"kind\":\"REJECTED\",\"errorClass\":\"23514\",\"attempts\":3,\"replayed\":null}]}");
        assertThat(json.err()).isEmpty();

        CliRun badTime = CliRun.of("dlq", "list", file.toString(), "--from", "yesterday");
        assertThat(badTime.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badTime.errLines()).hasSize(1);
    }

    @Test
    void aQuotedTableFilterFindsTheEntriesOfThatTableHoweverItIsSpelled() throws Exception {
        TableId items = new TableId("Sales", "Order Items");
        ChangeEvent change = new ChangeEvent(ChangeOperation.UPDATE, items, COLUMNS, new int[] {0}, null,
                new Object[] {7L, "c7", new BigDecimal("1.00"), "n", 1}, SourcePosition.ofLsn(130), 0);
        Instant at = Instant.parse("2026-01-02T03:10:00Z");
        try (JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(
                new JdbcConnectionFactory(url(), "postgres", Secret.literal(PASSWORD)), "_tidemark_dlq")) {
            queue.add(List.of(new DeadLetter("shop", "warehouse", "Reporting.\"Order Items\"", change,
                    DeadLetterKind.REJECTED, "42703", "ERROR: column does not exist", 3, at, at.plusSeconds(5))));
        }

        for (String spelling : List.of("Sales.\"Order Items\"", "\"Sales\".\"Order Items\"")) {
            CliRun run = CliRun.of("dlq", "list", file.toString(), "--table", spelling);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
            assertThat(run.outLines()).hasSize(2);
            assertThat(run.outLines().get(1)).contains("Sales.\"Order Items\"", "42703");
        }
        assertThat(CliRun.of("dlq", "list", file.toString(), "--table", "public.orders").outLines()).hasSize(4);

        CliRun unquoted = CliRun.of("dlq", "list", file.toString(), "--table", "Sales.Order Items");
        assertThat(unquoted.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(unquoted.errLines()).containsExactly("tidemark: Invalid value for option '--table': Sales.Order"
                + " Items has the name Order Items that needs double quotes: write it as \"Order Items\" (bare names"
                + " are letters, digits, _ and $, not starting with a digit) (see 'tidemark dlq list --help')");
    }

    @Test
    void showPrintsTheWholeEntryWithItsRowAndMessage() {
        CliRun run = CliRun.of("dlq", "show", file.toString(), "1");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
        assertThat(run.outLines()).contains("id:            1", "table:         public.orders", "key:           1",
                "errorClass:    22001", "errorMessage:  ERROR: value too long for type character varying(60)",
                "before:        -",
                "after:         {\"id\":1,\"customer\":\"c1\",\"amount\":\"1.00\",\"note\":\"" + "n".repeat(100)
                        + "\",\"version\":2}");
        assertNoSecret(run);

        CliRun json = CliRun.of("dlq", "show", file.toString(), "1", "--output", "json");
        assertThat(json.out()).contains("\"after\":{\"id\":1,\"customer\":\"c1\"", "\"before\":null",
                "\"errorMessage\":\"ERROR: value too long");
    }

    @Test
    void showOfAMissingEntryIsNotFound() {
        CliRun run = CliRun.of("dlq", "show", file.toString(), "999");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.errLines()).containsExactly("tidemark: dead-letter entry 999 not found in pipeline shop");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void replayBeforeTheFixKeepsEverythingThenAppliesAfterItAndSkipsWhatTheSinkHoldsNewer() throws Exception {
        CliRun early = CliRun.of("dlq", "replay", file.toString());

        assertThat(early.exitCode()).as(early.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(early.outLines().get(0)).isEqualTo("sink warehouse: 0 applied, 1 skipped, 1 still rejected, 1 blocked");
        assertThat(early.out()).contains("rejected 1 public.orders key 1 position 100: 22001: ",
                "skipped 2 public.orders key 2 position 110: sink holds the row at position 200",
                "blocked 3 public.orders key 1 position 120: waits behind entry 1 of its row");
        assertThat(early.errLines()).containsExactly("tidemark: 2 entries are still pending (rejected again, or waiting"
                + " behind a rejected entry of their row)");
        assertThat(CliRun.of("dlq", "list", file.toString()).outLines()).hasSize(3); // entries 1 and 3 still pending
        assertThat(query("SELECT attempts FROM _tidemark_dlq WHERE id = 1")).isEqualTo("4");

        sql(db, "ALTER TABLE orders ALTER COLUMN note TYPE TEXT");
        CliRun fixed = CliRun.of("dlq", "replay", file.toString(), "--output", "json");

        assertThat(fixed.exitCode()).as(fixed.toString()).isEqualTo(ExitCodes.OK);
        assertThat(fixed.out()).startsWith("{\"pipeline\":\"shop\",\"sinks\":[{\"sink\":\"warehouse\","
                + "\"total\":{\"applied\":2,\"skipped\":0,\"stillRejected\":0,\"blocked\":0}");
        assertThat(query("SELECT note || '@' || _tidemark_pos FROM orders WHERE id = 1")).isEqualTo("after@120");
        assertThat(query("SELECT note || '@' || _tidemark_pos FROM orders WHERE id = 2")).isEqualTo("newest@200");

        CliRun all = CliRun.of("dlq", "list", file.toString(), "--include-replayed");
        assertThat(all.outLines()).hasSize(4);
        assertThat(all.outLines().subList(1, 4)).extracting(line -> line.substring(line.lastIndexOf(' ') + 1))
                .containsExactly("APPLIED", "SKIPPED", "APPLIED");
        CliRun again = CliRun.of("dlq", "replay", file.toString());
        assertThat(again.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(again.outLines()).containsExactly("sink warehouse: 0 applied, 0 skipped, 0 still rejected, 0 blocked");
        assertNoSecret(early);
        assertNoSecret(fixed);
    }

    @Test
    void purgeNeedsAFilterOrAll() throws Exception {
        CliRun bare = CliRun.of("dlq", "purge", file.toString());
        assertThat(bare.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bare.errLines()).containsExactly("tidemark: purge needs a filter (--table, --key, --from, --to,"
                + " --error-class) or --all (see 'tidemark dlq purge --help')");
        assertThat(query("SELECT count(*) FROM _tidemark_dlq")).isEqualTo("3");

        CliRun byKey = CliRun.of("dlq", "purge", file.toString(), "--key", "1");
        assertThat(byKey.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(byKey.outLines()).containsExactly("sink warehouse: purged 2 entries");

        CliRun all = CliRun.of("dlq", "purge", file.toString(), "--all", "--output", "json");
        assertThat(all.outLines()).containsExactly("{\"pipeline\":\"shop\",\"purged\":{\"warehouse\":1}}");
        assertThat(query("SELECT count(*) FROM _tidemark_dlq")).isEqualTo("0");
    }

    /**
     * A Redis sink's entries in the pipeline's queue (a database named by dead-letter-queue.url):
     * listed, shown and purged by --sink, replayed through the sink's guarded script against a real
     * Redis (embedded 6.2): rejected while another application's key is in the way, applied once it
     * is gone, skipped where Redis holds the row newer.
     */
    @Test
    void aRedisSinksEntriesAreListedShownReplayedAndPurged() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RedisServer redisServer = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"")
                .setting("appendonly no").build();
        redisServer.start();
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            redis.set("tidemark:public.orders:5", "another application's string");
            redis.hset("tidemark:public.orders:6", Map.of("id", "6", "note", "newer", "_tidemark_pos", "400"));
            try (JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(
                    new JdbcConnectionFactory(url(), "postgres", Secret.literal(PASSWORD)), "_tidemark_dlq")) {
                Instant t = Instant.parse("2026-01-03T00:00:00Z");
                queue.add(List.of(
                        redisLetter(upsert(5, "five", 2, 300), "tidemark:public.orders:5", t),
                        redisLetter(upsert(6, "six", 2, 310), "tidemark:public.orders:6", t.plusSeconds(1))));
            }
            Path redisFile = Files.writeString(dir.resolve("redis-pipeline.yaml"), Files.readString(file)
                    + """
                      - name: cache
                        type: redis
                        uri: redis://127.0.0.1:%d
                    routes:
                      - source-table: public.orders
                        sink: warehouse
                      - source-table: public.orders
                        sink: cache
                    dead-letter-queue:
                      url: %s
                      username: postgres
                      password: ${file:%s}
                    """.formatted(port, url(), dir.resolve("sink-password")));

            CliRun list = CliRun.of("dlq", "list", redisFile.toString(), "--sink", "cache");
            assertThat(list.exitCode()).as(list.toString()).isEqualTo(ExitCodes.OK);
            assertThat(list.outLines()).hasSize(3);
            assertThat(list.outLines().get(1).split("\\s+")).containsExactly(
                    "4", "2026-01-03T00:00:05Z", "cache", "public.orders", "5", "UPDATE", "300", "REJECTED", "WRONGTYPE",
                    "3", "no");
            assertThat(CliRun.of("dlq", "list", redisFile.toString()).outLines()).as("both sinks' entries").hasSize(6);
            assertThat(CliRun.of("dlq", "show", redisFile.toString(), "4", "--sink", "cache").outLines())
                    .contains("sink:          cache", "sinkTable:     tidemark:public.orders:5", "errorClass:    WRONGTYPE");

            CliRun early = CliRun.of("dlq", "replay", redisFile.toString(), "--sink", "cache");
            assertThat(early.exitCode()).as(early.toString()).isEqualTo(ExitCodes.FAILURE);
            assertThat(early.outLines()).contains("sink cache: 0 applied, 1 skipped, 1 still rejected, 0 blocked");
            assertThat(early.out()).contains("rejected 4 public.orders key 5 position 300: WRONGTYPE: ",
                    "skipped 5 public.orders key 6 position 310: Redis holds tidemark:public.orders:6 (or its"
                            + " tombstone) at position 310 or later");

            redis.del("tidemark:public.orders:5"); // the fix
            CliRun fixed = CliRun.of("dlq", "replay", redisFile.toString(), "--sink", "cache");
            assertThat(fixed.exitCode()).as(fixed.toString()).isEqualTo(ExitCodes.OK);
            assertThat(fixed.outLines()).containsExactly("sink cache: 1 applied, 0 skipped, 0 still rejected, 0 blocked",
                    "  public.orders: 1 applied, 0 skipped, 0 still rejected, 0 blocked");
            assertThat(redis.hgetall("tidemark:public.orders:5")).isEqualTo(Map.of("id", "5", "customer", "c5",
                    "amount", "1.00", "note", "five", "version", "2", "_tidemark_pos", "300"));
            assertThat(redis.hget("tidemark:public.orders:6", "note")).isEqualTo("newer");
            assertThat(CliRun.of("dlq", "replay", redisFile.toString(), "--sink", "cache").outLines())
                    .containsExactly("sink cache: 0 applied, 0 skipped, 0 still rejected, 0 blocked");

            CliRun purge = CliRun.of("dlq", "purge", redisFile.toString(), "--sink", "cache", "--all");
            assertThat(purge.outLines()).containsExactly("sink cache: purged 2 entries");
            assertThat(query("SELECT count(*) FROM _tidemark_dlq")).as("the JDBC sink's entries stay").isEqualTo("3");
            for (CliRun run : List.of(list, early, fixed, purge)) {
                assertNoSecret(run);
            }
        } finally {
            client.shutdown();
            redisServer.stop();
        }
    }

    @Test
    void unknownSinkIsNotFoundAndMissingFileIsBadConfiguration() {
        CliRun sink = CliRun.of("dlq", "list", file.toString(), "--sink", "lake");
        assertThat(sink.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(sink.errLines()).containsExactly("tidemark: sink lake is not in pipeline shop; its sinks: warehouse");

        CliRun missing = CliRun.of("dlq", "replay", dir.resolve("nope.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(missing.errLines()).containsExactly("tidemark: " + dir.resolve("nope.yaml") + ": no such file");

        CliRun noSub = CliRun.of("dlq");
        assertThat(noSub.exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    // ---------------------------------------------------------------------------------------

    private String url() {
        return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + db;
    }

    private static ChangeEvent upsert(long id, String note, int version, long position) {
        return new ChangeEvent(ChangeOperation.UPDATE, ORDERS, COLUMNS, new int[] {0}, null,
                new Object[] {id, "c" + id, new BigDecimal("1.00"), note, version}, SourcePosition.ofLsn(position), 0);
    }

    private static DeadLetter redisLetter(ChangeEvent event, String key, Instant at) {
        return new DeadLetter("shop", "cache", key, event, DeadLetterKind.REJECTED, "WRONGTYPE",
                "WRONGTYPE Operation against a key holding the wrong kind of value", 3, at, at.plusSeconds(5));
    }

    private static DeadLetter letter(ChangeEvent event, DeadLetterKind kind, String errorClass, String message, Instant at) {
        return new DeadLetter("shop", "warehouse", "public.orders", event, kind, errorClass, message,
                kind == DeadLetterKind.REJECTED ? 3 : 1, at, at.plusSeconds(5));
    }

    private void sql(String database, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + database, "postgres", "postgres");
                Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private String query(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url(), "postgres", "postgres");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertNoSecret(CliRun run) {
        assertThat(run.out()).doesNotContain(PASSWORD);
        assertThat(run.err()).doesNotContain(PASSWORD);
    }
}
