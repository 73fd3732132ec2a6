package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real MariaDB binlog source into PostgreSQL, with failures injected mid-stream: the sink ends
 * equal to the source, and the sink's audit trigger shows that no row went back to an older
 * position and no change was applied twice.
 */
class MariaDbToPostgresITCase extends PostgresTestBase {

    private static final int SNAPSHOT_ROWS = 10_000;
    private static final int STREAMED_CHANGES = 12_000;

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
    void snapshotStreamAndFailuresLeavePostgresEqualToMariaDb(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String sourceDb = mariadb.createDatabase("src_orders");
        mariadb.runDdl(sourceDb, "mysql/orders");
        String sinkDb = createDatabase("sink_from_maria");
        runDdl(sinkDb, "orders");
        runDdl(sinkDb, "orders-audit");

        OrdersWorkload workload = new OrdersWorkload(17, 1);
        try (Connection c = mariadb.connect(sourceDb)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        PipelineDef def = pipeline(sourceDb, sinkDb);
        String scenario = "maria-pg-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_500, 5_000, 9_000);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> count(sinkDb, "SELECT count(*) FROM orders") >= SNAPSHOT_ROWS);
            try (Connection c = mariadb.connect(sourceDb)) {
                for (int round = 0; round < 6; round++) {
                    workload.run(c, STREAMED_CHANGES / 6);
                    Thread.sleep(300);
                }
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> mariaRows(sourceDb).equals(postgresRows(sinkDb)));
            List<String> source = mariaRows(sourceDb);
            assertThat(postgresRows(sinkDb)).containsExactlyElementsOf(source);
            assertThat(source).hasSizeGreaterThan(SNAPSHOT_ROWS / 2);

            assertThat(count(sinkDb, "SELECT count(*) FROM orders_audit")).isGreaterThan(SNAPSHOT_ROWS);
            assertThat(count(sinkDb,
                    "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) AS prev"
                            + " FROM orders_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev"))
                    .as("row versions written at or below an earlier position")
                    .isZero();
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /**
     * Binlog compression turned on while the job streams: Flink CDC's binlog reader skips compressed
     * events without a word (before, the job kept running and their changes never arrived). The
     * job now stops, naming the event and the setting; the start-up check refuses such a server.
     */
    @Test
    void binlogCompressionTurnedOnWhileTheJobRunsStopsIt(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        try (MariaDbTestServer server = MariaDbTestServer.startPrivate(true)) {
            String sourceDb = server.createDatabase("src_compressed");
            server.runDdl(sourceDb, "mysql/orders");
            String sinkDb = createDatabase("sink_compressed");
            runDdl(sinkDb, "orders");
            OrdersWorkload workload = new OrdersWorkload(19, 1);
            try (Connection c = server.connect(sourceDb)) {
                workload.seed(c, 100);
            }
            PipelineJob job = PipelineJob.of(pipeline(server, sourceDb, sinkDb, "5411-5414"));
            job.prepare();
            JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
            try {
                await().atMost(Duration.ofMinutes(1)).until(() -> count(sinkDb, "SELECT count(*) FROM orders") == 100);
                server.execute("", "SET GLOBAL log_bin_compress = ON", "SET GLOBAL log_bin_compress_min_len = 10");
                try (Connection c = server.connect(sourceDb)) {
                    workload.run(c, 50);
                }

                assertThat(TestJobs.rootFailure(client, jobId))
                        .matches("source: the binlog holds a compressed event \\(\\w+\\) at \\S+:\\d+, which Flink CDC"
                                + " 3\\.5 cannot read: the changes in it would be lost without a trace; turn binlog"
                                + " compression off .*");
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    /**
     * MariaDB 11.4's binlog_legacy_event_pos turned off (its default) while the job streams: the rows' events then
     * carry end_log_pos 0, and Debezium hands them over at a negative offset (before, the job failed on "binlog
     * offset -57 ... is outside 0..68719476735", naming nothing a user could act on). The job now stops naming the
     * setting; the start-up check refuses such a server.
     */
    @Test
    void eventPositionsTurnedOffWhileTheJobRunsStopIt(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        try (MariaDbTestServer server = MariaDbTestServer.startPrivate(true)) {
            assumeTrue(server.single("", "SELECT COUNT(*) FROM information_schema.GLOBAL_VARIABLES"
                    + " WHERE VARIABLE_NAME = 'BINLOG_LEGACY_EVENT_POS'").equals("1"),
                    "binlog_legacy_event_pos exists from MariaDB 11.4 on; this is " + server);
            String sourceDb = server.createDatabase("src_no_positions");
            server.runDdl(sourceDb, "mysql/orders");
            String sinkDb = createDatabase("sink_no_positions");
            runDdl(sinkDb, "orders");
            OrdersWorkload workload = new OrdersWorkload(23, 1);
            try (Connection c = server.connect(sourceDb)) {
                workload.seed(c, 100);
            }
            PipelineJob job = PipelineJob.of(pipeline(server, sourceDb, sinkDb, "5421-5424"));
            job.prepare();
            JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
            try {
                await().atMost(Duration.ofMinutes(1)).until(() -> count(sinkDb, "SELECT count(*) FROM orders") == 100);
                server.execute("", "SET GLOBAL binlog_legacy_event_pos = OFF");
                try (Connection c = server.connect(sourceDb)) {
                    workload.run(c, 50);
                }

                assertThat(TestJobs.rootFailure(client, jobId))
                        .matches("source: a change in binlog \\S+ has no position: the server wrote end_log_pos 0"
                                + " .* binlog_legacy_event_pos is OFF\\); run SET GLOBAL binlog_legacy_event_pos = ON, .*");
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    private PipelineDef pipeline(String sourceDb, String sinkDb) {
        return pipeline(mariadb, sourceDb, sinkDb, "5401-5404");
    }

    private PipelineDef pipeline(MariaDbTestServer server, String sourceDb, String sinkDb, String serverIds) {
        MySqlSourceDef source = new MySqlSourceDef("127.0.0.1", server.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of(sourceDb + ".orders"), serverIds, "UTC",
                1000, StartupMode.INITIAL);
        PipelineDef base = pipeline("it-maria-pg", "unused", sinkDb, List.of("public.orders"), temp, 2);
        JdbcSinkDef sink = (JdbcSinkDef) base.sinks().get(0);
        return new PipelineDef(base.name(), base.parallelism(), source, List.of(sink),
                List.of(new RouteDef(sourceDb + ".orders", sink.name(), "public.orders")), base.checkpointing());
    }


    private List<String> mariaRows(String db) throws Exception {
        return collect(mariadb.connect(db), "SELECT CONCAT_WS('|', id, customer, CAST(amount AS CHAR), status,"
                + " COALESCE(note, '<null>'), DATE_FORMAT(CONVERT_TZ(updated_at, @@session.time_zone, '+00:00'),"
                + " '%Y-%m-%d %H:%i:%s.%f'), version) FROM orders ORDER BY id");
    }

    private static List<String> postgresRows(String db) throws Exception {
        return collect(connect(db), "SELECT concat_ws('|', id, customer, amount::text, status, coalesce(note, '<null>'),"
                + " to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), version) FROM orders ORDER BY id");
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
