package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.SourceDef;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.Rows;
import io.tidemark.pipeline.testing.TestJobs;
import io.tidemark.pipeline.testing.TransfersWorkload;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code apply-order: source} never commits part of a source transaction. Every source transaction
 * moves money between accounts, so the total balance is the same after each source commit; a
 * deferred trigger on the sink records the total at the commit of every sink transaction
 * ({@code ddl/accounts-totals.sql}). With sink batches far smaller than the source's transactions,
 * checkpoints several times a second and three failures injected, the last one within a
 * transaction of 10,000 changes that spans checkpoints (so the restored writer has to take the
 * changes it held from the checkpoint), every total the sink ever committed is the source's, from
 * PostgreSQL and from MariaDB.
 */
class SourceTransactionsITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ACCOUNTS = 50;
    private static final String COLUMNS = "id, balance, version";

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @Test
    void postgresTransactionsAreNeverSplitAcrossSinkCommits(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_transfers");
        runDdl(source, "accounts");
        String sink = createDatabase("sink_transfers");
        PipelineDef base = pipeline("it-transfers", source, sink, List.of("public.accounts"), temp, 2);
        TransfersWorkload workload = new TransfersWorkload(51, ACCOUNTS);
        try (Connection c = connect(source)) {
            workload.seed(c);
        }
        runTransfers(client, sourceOrder(base, base.source(), "public.accounts", sink), workload,
                () -> connect(source), () -> Rows.collect(connect(source),
                        "SELECT concat_ws('|', " + COLUMNS + ") FROM accounts ORDER BY id"), sink);
    }

    @Test
    void mariaDbTransactionsAreNeverSplitAcrossSinkCommits(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = mariadb.createDatabase("src_transfers");
        mariadb.runDdl(source, "mysql/accounts");
        String sink = createDatabase("sink_transfers_maria");
        PipelineDef base = pipeline("it-transfers-maria", "unused", sink, List.of("public.accounts"), temp, 2);
        MySqlSourceDef mysql = new MySqlSourceDef("127.0.0.1", mariadb.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of(source + ".accounts"), "5411-5414", "UTC",
                1000, StartupMode.INITIAL);
        TransfersWorkload workload = new TransfersWorkload(53, ACCOUNTS);
        try (Connection c = mariadb.connect(source)) {
            workload.seed(c);
        }
        runTransfers(client, sourceOrder(base, mysql, source + ".accounts", sink), workload,
                () -> mariadb.connect(source), () -> Rows.collect(mariadb.connect(source),
                        "SELECT CONCAT_WS('|', " + COLUMNS + ") FROM accounts ORDER BY id"), sink);
    }

    private void runTransfers(RestClusterClient<?> client, PipelineDef def, TransfersWorkload workload,
            Callable<Connection> source, Callable<List<String>> sourceRows, String sink) throws Exception {
        String scenario = def.name() + "-" + System.nanoTime();
        // the third failure falls inside the large transaction at the end, which spans many checkpoints
        PipelineJob job = TestJobs.failingAt(def, scenario, 500, 1_500, 8_000);
        FailureInjector.slowDown(scenario, 5_000, 8_000, Duration.ofNanos(500_000));
        runDdl(sink, "accounts");
        job.prepare();
        runDdl(sink, "accounts-totals");
        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> sinkRows(sink).equals(sourceRows.call()));
            // the snapshot fills the sink chunk by chunk: only the streamed transactions are judged
            execute(sink, "DELETE FROM account_totals");
            int updates = 0;
            try (Connection c = source.call()) {
                for (int round = 0; round < 10; round++) {
                    updates += workload.run(c, 60);
                    Thread.sleep(250);
                }
                updates += workload.transaction(c, 5_000);
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> sinkRows(sink).equals(sourceRows.call()));

            assertThat(sinkRows(sink)).containsExactlyElementsOf(sourceRows.call());
            assertThat(updates).isGreaterThan(12_000);
            assertThat(count(sink, "SELECT count(DISTINCT xid) FROM account_totals"))
                    .as("sink transactions that changed accounts").isGreaterThan(50);
            assertThat(Rows.collect(connect(sink), "SELECT concat_ws('|', seq, total, accounts) FROM account_totals"
                    + " WHERE total <> " + workload.total() + " OR accounts <> " + ACCOUNTS + " ORDER BY seq"))
                    .as("sink commits that showed a total the source never had (seq|total|accounts)").isEmpty();
            assertThat(count(sink, "SELECT count(*) FROM _tidemark_dlq")).as("nothing rejected").isZero();
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /** One PostgreSQL sink in source order, with batches far smaller than a source transaction, checkpointed often. */
    private static PipelineDef sourceOrder(PipelineDef base, SourceDef source, String sourceTable, String sinkDb) {
        JdbcSinkDef sink = new JdbcSinkDef("warehouse", jdbcUrl(sinkDb), "postgres", Secret.literal("postgres"),
                3, Duration.ofMillis(20), 1, Duration.ofDays(7), 3, ApplyOrder.SOURCE);
        CheckpointingDef every = base.checkpointing();
        CheckpointingDef often = new CheckpointingDef(Duration.ofMillis(300), every.timeout(), Duration.ofMillis(100),
                every.externalizedRetention(), every.checkpointsDir(), every.savepointsDir());
        return new PipelineDef(base.name(), base.parallelism(), source, List.of(sink),
                List.of(new RouteDef(sourceTable, "warehouse", "public.accounts")), often);
    }

    private static List<String> sinkRows(String sink) throws Exception {
        return Rows.collect(connect(sink), "SELECT concat_ws('|', " + COLUMNS + ") FROM accounts ORDER BY id");
    }
}
