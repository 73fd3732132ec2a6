package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.TestJobs;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL to a real MariaDB through the MySQL sink dialect, with failures injected mid-stream:
 * the sink ends equal to the source, and a trigger on the sink shows that no row went back to an
 * older position and no change was applied twice.
 */
class PostgresToMariaDbITCase extends PostgresTestBase {

    private static final int SNAPSHOT_ROWS = 10_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @Test
    void snapshotStreamAndFailuresLeaveMariaDbEqualToPostgres(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_maria");
        runDdl(source, "orders");
        String sinkDb = createOrdersSink("sink_maria");

        PipelineDef def = intoMariaDb("it-maria", source, sinkDb, 2);
        String scenario = "maria-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_500, 4_500, 8_000);
        job.prepare();
        mariadb.execute(sinkDb,
                "CREATE TABLE audit (seq BIGINT AUTO_INCREMENT PRIMARY KEY, op VARCHAR(8), id BIGINT, pos BIGINT)",
                "CREATE TRIGGER audit_i AFTER INSERT ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('INSERT', NEW.id, NEW._tidemark_pos)",
                "CREATE TRIGGER audit_u AFTER UPDATE ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) SELECT 'UPDATE', NEW.id, NEW._tidemark_pos"
                        + " FROM DUAL WHERE NOT (NEW._tidemark_pos <=> OLD._tidemark_pos)",
                "CREATE TRIGGER audit_d AFTER DELETE ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('DELETE', OLD.id, OLD._tidemark_pos)");

        OrdersWorkload workload = new OrdersWorkload(11, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> mariaRows(sinkDb).size() >= SNAPSHOT_ROWS);
            try (Connection c = connect(source)) {
                for (int round = 0; round < 6; round++) {
                    workload.run(c, 2_000);
                    Thread.sleep(300);
                }
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> postgresRows(source).equals(mariaRows(sinkDb)));
            assertThat(mariaRows(sinkDb)).containsExactlyElementsOf(postgresRows(source));

            try (Connection c = mariadb.connect(sinkDb); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT op, pos, LAG(pos) OVER"
                            + " (PARTITION BY id ORDER BY seq) AS prev FROM audit) a"
                            + " WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev")) {
                rs.next();
                assertThat(rs.getLong(1)).as("row versions written at or below an earlier position").isZero();
            }
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            if (!client.getJobStatus(jobId).get().isTerminalState()) {
                TestJobs.cancel(client, jobId); // and wait until it has ended, before the next test's job starts
            }
        }
    }

    /**
     * A sink write that waits on a row lock somebody else holds does not hold up the job's cancellation
     * (before, closing the writer waited out {@code innodb_lock_wait_timeout}, 50 s by default and without
     * limit where it is set high, which Flink answers by killing the TaskManager), and no session of the
     * cancelled job stays behind, still waiting.
     */
    @Test
    void cancellingAJobWhoseSinkWaitsOnARowLockEndsWithinSecondsAndLeavesNoSessionBehind(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_maria_lock");
        runDdl(source, "orders");
        String sinkDb = createOrdersSink("sink_maria_lock");
        PipelineJob job = PipelineJob.of(intoMariaDb("it-maria-lock", source, sinkDb, 1));
        job.prepare();
        try (Connection c = connect(source)) {
            new OrdersWorkload(5, 1).seed(c, 100);
        }
        JobID jobId = TestJobs.submit(client, job);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> mariaRows(sinkDb).size() >= 100);

        try (Connection blocker = mariadb.connect(sinkDb); Connection c = connect(source)) {
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("SELECT * FROM orders WHERE id = (SELECT min(id) FROM orders) FOR UPDATE");
            c.createStatement().execute("UPDATE orders SET version = version + 1 WHERE id = (SELECT min(id) FROM orders)");
            String waiting = "SELECT count(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'";
            await().atMost(Duration.ofSeconds(30)).until(() -> Long.parseLong(mariadb.single(sinkDb, waiting)) > 0);

            long start = System.nanoTime();
            client.cancel(jobId).get(2, java.util.concurrent.TimeUnit.MINUTES);
            await().atMost(Duration.ofMinutes(2)).until(() -> client.getJobStatus(jobId).get() == JobStatus.CANCELED);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).as("from the cancel to CANCELED, the blocker still holding its lock")
                    .isLessThan(Duration.ofSeconds(8));
            assertThat(Long.parseLong(mariadb.single(sinkDb, waiting)))
                    .as("sessions of the cancelled job still waiting on the lock").isZero();
            blocker.rollback();
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /** A new MariaDB database named after {@code prefix} with an {@code orders} table shaped as the source's. */
    private String createOrdersSink(String prefix) {
        String sinkDb = mariadb.createDatabase(prefix);
        mariadb.execute(sinkDb,
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL, amount DECIMAL(12, 2) NOT NULL,"
                        + " status VARCHAR(16) NOT NULL, note TEXT, updated_at DATETIME(6) NOT NULL, version INT NOT NULL)"
                        + " CHARACTER SET utf8mb4");
        return sinkDb;
    }

    /** Pipeline {@code name} from {@code source}'s {@code public.orders} into {@code sinkDb}'s, through the MySQL dialect. */
    private PipelineDef intoMariaDb(String name, String source, String sinkDb, int parallelism) {
        PipelineDef base = pipeline(name, source, "unused", List.of("public.orders"), temp, parallelism);
        JdbcSinkDef sink = new JdbcSinkDef("warehouse", mariadb.jdbcUrl(sinkDb) + "?useSSL=false",
                MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD), 2000, Duration.ofMillis(100), 2,
                Duration.ofDays(7), 3);
        return new PipelineDef(base.name(), base.parallelism(), base.source(), List.of(sink),
                List.of(new io.tidemark.pipeline.config.RouteDef("public.orders", "warehouse", sinkDb + ".orders")),
                base.checkpointing());
    }

    private static List<String> postgresRows(String db) throws Exception {
        return collect(connect(db), "SELECT concat_ws('|', id, customer, amount::text, status, coalesce(note, '<null>'),"
                + " to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), version) FROM orders ORDER BY id");
    }

    private List<String> mariaRows(String db) throws Exception {
        return collect(mariadb.connect(db), "SELECT CONCAT_WS('|', id, customer, CAST(amount AS CHAR), status,"
                + " COALESCE(note, '<null>'), DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), version)"
                + " FROM orders ORDER BY id");
    }

    private static List<String> collect(Connection connection, String sql) throws Exception {
        try (Connection c = connection; Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }
}
