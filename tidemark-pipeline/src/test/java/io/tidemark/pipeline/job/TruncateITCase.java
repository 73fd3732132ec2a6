package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.TruncateHandling;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.Rows;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code TRUNCATE} of a captured table in the middle of the stream, with failures injected
 * around it, at parallelism 2 (so the truncate reaches two writer subtasks): the sink ends equal
 * to the source, the rows written before the truncate are gone, keys inserted again after it are
 * back, and a trigger on the sink records no write at or below the truncate's position once it
 * was applied (no row came back from before the truncate).
 */
class TruncateITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int SNAPSHOT_ROWS = 5_000;

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();
    private final List<JobID> jobs = new ArrayList<>();
    private RestClusterClient<?> client;

    @AfterEach
    void cancelJobs() throws Exception {
        for (JobID job : jobs) {
            TestJobs.cancel(client, job);
        }
    }

    @Test
    void postgresToPostgres(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_truncate");
        String sink = createDatabase("sink_truncate");
        runDdl(source, "orders");
        runDdl(sink, "orders");
        PipelineDef def = pipeline("it-truncate", source, sink, List.of("public.orders"), temp, 2);
        String scenario = "truncate-pg-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_900, 2_002, 2_600);
        job.prepare();
        runDdl(sink, "orders-audit");
        runDdl(sink, "orders-late-writes");

        streamWithATruncate(client, job, scenario, () -> connect(source),
                () -> rows(sink, "orders", ORDERS_COLUMNS, "id").size());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                rows(source, "orders", ORDERS_COLUMNS, "id").equals(rows(sink, "orders", ORDERS_COLUMNS, "id")));
        long mark = count(sink, "SELECT pos FROM _tidemark_truncations WHERE table_name = 'public.orders'");
        assertThat(mark).as("the truncate was applied and marked").isPositive();
        assertThat(count(sink, "SELECT count(*) FROM orders WHERE _tidemark_pos <= " + mark)).isZero();
        assertThat(count(sink, "SELECT count(*) FROM orders_late_writes"))
                .as("writes from before the truncate after it was applied").isZero();
        assertThat(count(sink, "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) prev"
                + " FROM orders_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev"))
                .as("row versions written at or below an earlier position").isZero();
        assertThat(count(sink, "SELECT count(*) FROM orders WHERE id <= " + SNAPSHOT_ROWS))
                .as("keys of the snapshot inserted again after the truncate").isPositive();
    }

    @Test
    void postgresToMariaDb(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_truncate_maria");
        runDdl(source, "orders");
        String sinkDb = mariadb.createDatabase("sink_truncate");
        mariadb.execute(sinkDb,
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL, amount DECIMAL(12, 2) NOT NULL,"
                        + " status VARCHAR(16) NOT NULL, note TEXT, updated_at DATETIME(6) NOT NULL, version INT NOT NULL)"
                        + " CHARACTER SET utf8mb4");
        PipelineDef base = pipeline("it-truncate-maria", source, "unused", List.of("public.orders"), temp, 2);
        JdbcSinkDef sink = new JdbcSinkDef("warehouse", mariadb.jdbcUrl(sinkDb) + "?useSSL=false",
                MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD), 2000, Duration.ofMillis(100), 2,
                Duration.ofDays(7), 3);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), base.source(), List.of(sink),
                List.of(new RouteDef("public.orders", "warehouse", sinkDb + ".orders")), base.checkpointing());
        String scenario = "truncate-maria-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_900, 2_002, 2_600);
        job.prepare();
        mariadb.execute(sinkDb,
                "CREATE TABLE late_writes (id BIGINT, pos BIGINT, mark BIGINT)",
                "CREATE TABLE audit (seq BIGINT AUTO_INCREMENT PRIMARY KEY, op VARCHAR(8), id BIGINT, pos BIGINT)",
                "CREATE TRIGGER late_i AFTER INSERT ON orders FOR EACH ROW BEGIN"
                        + " INSERT INTO audit (op, id, pos) VALUES ('INSERT', NEW.id, NEW._tidemark_pos);"
                        + " INSERT INTO late_writes SELECT NEW.id, NEW._tidemark_pos, pos FROM _tidemark_truncations"
                        + " WHERE table_name = '" + sinkDb + ".orders' AND NEW._tidemark_pos <= pos; END",
                "CREATE TRIGGER late_u AFTER UPDATE ON orders FOR EACH ROW BEGIN"
                        + " INSERT INTO audit (op, id, pos) SELECT 'UPDATE', NEW.id, NEW._tidemark_pos FROM DUAL"
                        + " WHERE NOT (NEW._tidemark_pos <=> OLD._tidemark_pos);"
                        + " INSERT INTO late_writes SELECT NEW.id, NEW._tidemark_pos, pos FROM _tidemark_truncations"
                        + " WHERE table_name = '" + sinkDb + ".orders' AND NEW._tidemark_pos <= pos; END",
                "CREATE TRIGGER audit_d AFTER DELETE ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('DELETE', OLD.id, OLD._tidemark_pos)");

        streamWithATruncate(client, job, scenario, () -> connect(source), () -> mariaRows(sinkDb).size());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> postgresRows(source).equals(mariaRows(sinkDb)));
        assertThat(mariaRows(sinkDb)).containsExactlyElementsOf(postgresRows(source));
        assertThat(mariaCount(sinkDb, "SELECT pos FROM _tidemark_truncations")).isPositive();
        assertThat(mariaCount(sinkDb, "SELECT count(*) FROM late_writes")).isZero();
        assertThat(mariaCount(sinkDb, "SELECT count(*) FROM (SELECT op, pos, LAG(pos) OVER (PARTITION BY id ORDER BY seq)"
                + " AS prev FROM audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev")).isZero();
    }

    @Test
    void mariaDbToPostgres(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = mariadb.createDatabase("src_truncate");
        mariadb.runDdl(source, "mysql/orders");
        String sink = createDatabase("sink_truncate_from_maria");
        runDdl(sink, "orders");
        MySqlSourceDef mysql = new MySqlSourceDef("127.0.0.1", mariadb.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of(source + ".orders"), "5411-5414", "UTC", 1000,
                StartupMode.INITIAL);
        PipelineDef base = pipeline("it-truncate-from-maria", "unused", sink, List.of("public.orders"), temp, 2);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), mysql, base.sinks(),
                List.of(new RouteDef(source + ".orders", "warehouse", "public.orders")), base.checkpointing());
        String scenario = "truncate-from-maria-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_900, 2_002, 2_600);
        job.prepare();
        runDdl(sink, "orders-audit");
        runDdl(sink, "orders-late-writes");

        streamWithATruncate(client, job, scenario, () -> mariadb.connect(source),
                () -> rows(sink, "orders", ORDERS_COLUMNS, "id").size());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> mariaSourceRows(source).equals(postgresRows(sink)));
        assertThat(postgresRows(sink)).containsExactlyElementsOf(mariaSourceRows(source));
        long mark = count(sink, "SELECT pos FROM _tidemark_truncations WHERE table_name = 'public.orders'");
        assertThat(mark).as("the truncate was applied and marked").isPositive();
        assertThat(count(sink, "SELECT count(*) FROM orders_late_writes")).isZero();
        assertThat(count(sink, "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) prev"
                + " FROM orders_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev")).isZero();
    }

    @Test
    void truncateFailStopsTheJobWithOneLineNamingTheTableAndPosition(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_truncate_fail");
        String sink = createDatabase("sink_truncate_fail");
        runDdl(source, "orders");
        runDdl(sink, "orders");
        PipelineDef base = pipeline("it-truncate-fail", source, sink, List.of("public.orders"), temp, 1);
        PostgresSourceDef s = (PostgresSourceDef) base.source();
        PipelineDef def = new PipelineDef(base.name(), 1, new PostgresSourceDef(s.hostname(), s.port(), s.database(),
                s.username(), s.password(), s.tables(), s.slotName(), s.publicationName(), s.snapshotChunkSize(),
                s.startupMode(), TruncateHandling.FAIL), base.sinks(), base.routes(), base.checkpointing());
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        OrdersWorkload workload = new OrdersWorkload(31, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, 100);
        }
        this.client = client;
        JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
        jobs.add(jobId);
        await().atMost(Duration.ofMinutes(1)).until(() -> count(sink, "SELECT count(*) FROM orders") == 100);
        try (Connection c = connect(source)) {
            workload.truncate(c);
            workload.run(c, 50);
        }
        assertThat(TestJobs.rootFailure(client, jobId)).matches("source table public\\.orders was truncated at LSN [0-9A-F]+/[0-9A-F]+"
                + " and source\\.truncate is fail: the pipeline stops before the truncate; set source\\.truncate:"
                + " apply to empty the table in the sinks and go on");
        assertThat(count(sink, "SELECT count(*) FROM orders")).as("nothing after the truncate applied").isEqualTo(100);
    }

    // ---------------------------------------------------------------------------------------

    private static final String ORDERS_COLUMNS = "id, customer, amount, status, note, updated_at, version";

    /** Snapshot, 2,000 changes, a truncate, 2,000 changes (re-inserting truncated keys), 3 failures around it. */
    private void streamWithATruncate(RestClusterClient<?> client, PipelineJob job, String scenario,
            Callable<Connection> source, Callable<Integer> sinkRows) throws Exception {
        OrdersWorkload workload = new OrdersWorkload(29, 1);
        try (Connection c = source.call()) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        this.client = client;
        jobs.add(TestJobs.submit(client, job));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> sinkRows.call() >= SNAPSHOT_ROWS);
        try (Connection c = source.call()) {
            workload.run(c, 1_000);
            Thread.sleep(300);
            workload.run(c, 1_000);
            workload.truncate(c);
            workload.run(c, 1_000);
            Thread.sleep(300);
            workload.run(c, 1_000);
        }
        await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
    }

    private static List<String> postgresRows(String db) throws Exception {
        return Rows.collect(connect(db), "SELECT concat_ws('|', id, customer, amount::text, status, coalesce(note, '<null>'),"
                + " to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), version) FROM orders ORDER BY id");
    }

    private List<String> mariaSourceRows(String db) throws Exception {
        return Rows.collect(mariadb.connect(db), "SELECT CONCAT_WS('|', id, customer, CAST(amount AS CHAR), status,"
                + " COALESCE(note, '<null>'), DATE_FORMAT(CONVERT_TZ(updated_at, @@session.time_zone, '+00:00'),"
                + " '%Y-%m-%d %H:%i:%s.%f'), version) FROM orders ORDER BY id");
    }

    private List<String> mariaRows(String db) throws Exception {
        return Rows.collect(mariadb.connect(db), "SELECT CONCAT_WS('|', id, customer, CAST(amount AS CHAR), status,"
                + " COALESCE(note, '<null>'), DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), version)"
                + " FROM orders ORDER BY id");
    }

    private long mariaCount(String db, String sql) throws Exception {
        return Long.parseLong(Rows.collect(mariadb.connect(db), sql).get(0));
    }
}
