package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.sink.jdbc.writer.DeadLetterReplayer;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.testing.DdlScripts;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.PoisonScenario;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.RestartablePostgres;
import io.tidemark.pipeline.testing.TestJobs;

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
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Poison changes of several kinds mixed into a stream, with job failures injected: the sink equals
 * the source except for the poison rows, and the dead-letter queue holds each rejected change once
 * (whatever the restores replayed) and the poison rows' later changes parked behind them. A sink
 * that is down for 30 s, on the other hand, is an outage, not poison: nothing goes to the queue.
 * Once the cause is fixed, a replay (interrupted halfway and run again) makes the sink equal to the
 * source, with nothing applied twice, and the rows take live changes again.
 */
class DeadLetterQueueITCase extends PostgresTestBase {

    private static final int SNAPSHOT_ROWS = 5_000;
    private static final String COLUMNS = "id, customer, amount::text, status, coalesce(note, '<null>'),"
            + " extract(epoch FROM updated_at)::text, version";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    Path temp;

    @Test
    void poisonChangesGoToTheQueueOnceEachAndNothingElseIsLost(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_dlq");
        String sink = createDatabase("sink_dlq");
        runDdl(source, "orders");
        runDdl(sink, "orders-narrow-sink");
        OrdersWorkload workload = new OrdersWorkload(41, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        PoisonScenario.seed(source);

        PipelineDef def = pipeline("it-dlq", source, sink, List.of("public.orders"), temp, 2);
        String scenario = "dlq-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_000, 3_000, 5_000);
        job.prepare();
        runDdl(sink, "orders-audit");
        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> count(sink, "SELECT count(*) FROM orders") >= SNAPSHOT_ROWS + 4);
            PoisonScenario.run(source, workload, 1_400);
            await().atMost(Duration.ofMinutes(2)).until(() -> FailureInjector.failures(scenario) >= 3);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(PoisonScenario.rowsExceptPoisoned(sink, COLUMNS))
                            .isEqualTo(PoisonScenario.rowsExceptPoisoned(source, COLUMNS)));
            // the untouched poison row 900004 and every workload row arrived; the poisoned ones kept their old version
            assertThat(PoisonScenario.rowsExceptPoisoned(source, COLUMNS)).hasSizeGreaterThan(SNAPSHOT_ROWS / 2);
            assertThat(count(sink, "SELECT count(*) FROM orders WHERE id IN (900001, 900002, 900003)"))
                    .as("poisoned rows keep the version from before their rejected change").isEqualTo(3);
            assertThat(count(sink, "SELECT count(*) FROM orders WHERE id = 900005")).isZero();

            Map<Long, List<String>> rejected = entries(sink, "REJECTED");
            Map<Long, List<String>> parked = entries(sink, "PARKED");
            PoisonScenario.assertQueued(rejected, parked);
            assertThat(count(sink, "SELECT count(*) FROM (SELECT row_key, position FROM _tidemark_dlq"
                    + " GROUP BY row_key, position HAVING count(*) > 1) d")).as("entries appearing twice").isZero();
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);

            // the cause is fixed; a replay interrupted after two entries, then run again, while the job runs
            execute(sink, "ALTER TABLE orders DROP CONSTRAINT orders_amount_check",
                    "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", "ALTER TABLE orders ALTER COLUMN version TYPE INT");
            JdbcSinkDef sinkDef = (JdbcSinkDef) def.sinks().get(0);
            AtomicInteger replayed = new AtomicInteger();
            try (DeadLetterReplayer replayer = DeadLetterReplayer.of(def, sinkDef)) {
                assertThatThrownBy(() -> replayer.replay(DeadLetterFilter.pending(), entry -> {
                    if (replayed.incrementAndGet() == 2) {
                        throw new InterruptedException("stopped halfway");
                    }
                })).isInstanceOf(InterruptedException.class);
            }
            ReplaySummary rerun;
            try (DeadLetterReplayer replayer = DeadLetterReplayer.of(def, sinkDef)) {
                rerun = replayer.replay(DeadLetterFilter.pending());
            }
            assertThat(rerun.complete()).as("every entry replayed: %s", rerun).isTrue();
            assertThat(rerun.total().applied() + rerun.total().skipped())
                    .isEqualTo(rejected.size() + parked.values().stream().mapToInt(List::size).sum() - 2);
            assertThat(count(sink, "SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).isZero();

            // the rows are released: a later change of a formerly poisoned row is applied live again
            execute(source, "UPDATE orders SET status = 'shipped', version = version + 1 WHERE id = 900001");
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(rows(sink, "orders", COLUMNS, "id"))
                            .isEqualTo(rows(source, "orders", COLUMNS, "id")));
            assertThat(count(sink, "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq)"
                    + " AS prev FROM orders_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev"))
                    .as("row versions written at or below an earlier position (applied twice or going back)")
                    .isZero();
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    @Test
    void aSinkOutageSendsNothingToTheQueueAndLosesNothing(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_outage");
        runDdl(source, "orders");
        OrdersWorkload workload = new OrdersWorkload(43, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, 2_000);
        }
        try (RestartablePostgres sinkServer = RestartablePostgres.start(temp.resolve("sink-pg"))) {
            String sinkUrl = sinkServer.jdbcUrl("postgres");
            sinkServer.execute("postgres", DdlScripts.statements("orders"));
            PipelineDef base = pipeline("it-dlq-outage", source, "unused", List.of("public.orders"), temp, 2);
            JdbcSinkDef sink = new JdbcSinkDef("warehouse", sinkUrl, "postgres", Secret.literal("postgres"), 1000,
                    Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
            PipelineDef def = new PipelineDef(base.name(), base.parallelism(), base.source(), List.of(sink),
                    base.routes(), base.checkpointing());
            PipelineJob job = PipelineJob.of(def);
            job.prepare();
            JobID jobId = TestJobs.submit(client, job, TestJobs.restartThroughOutages());
            try {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> countIn(sinkUrl, "SELECT count(*) FROM orders") >= 2_000);
                try (Connection c = connect(source)) {
                    workload.run(c, 1_000);
                    sinkServer.stopServer(); // the sink database goes away for 30 s while changes keep coming
                    long downUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (System.nanoTime() < downUntil) {
                        workload.run(c, 100);
                        Thread.sleep(500);
                    }
                    sinkServer.startServer();
                    workload.run(c, 1_000);
                }
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertThat(rowsAt(sinkUrl)).isEqualTo(rows(source, "orders", COLUMNS, "id")));
                assertThat(countIn(sinkUrl, "SELECT count(*) FROM _tidemark_dlq"))
                        .as("entries queued because of the outage").isZero();
                assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    private static long countIn(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> rowsAt(String url) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT row_to_json(x)::text FROM (SELECT " + COLUMNS
                        + " FROM orders ORDER BY id) x")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /** Error classes of the queue's entries of one kind, by row key, in position order. */
    private static Map<Long, List<String>> entries(String db, String kind) throws Exception {
        Map<Long, List<String>> entries = new HashMap<>();
        try (Connection c = connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT row_key, error_class FROM _tidemark_dlq WHERE kind = '" + kind
                        + "' ORDER BY position")) {
            while (rs.next()) {
                entries.computeIfAbsent(Long.parseLong(rs.getString(1)), k -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        return entries;
    }
}
