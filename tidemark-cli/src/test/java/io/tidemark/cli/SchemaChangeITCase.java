package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tidemark schema-change} on a running job (PostgreSQL into PostgreSQL, MariaDB and Redis):
 * a source change no widening can hold is refused before the job is touched; then a column added and
 * a type widened in the source mid-stream, with changes using both while the sinks still lack them
 * (rejected into the dead-letter queue) → after the command the new values are in every sink, the
 * job runs restored from the command's savepoint, and reconcile reports every table equal.
 */
class SchemaChangeITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ROWS = 500;

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
    void addedAndWidenedColumnsReachEverySinkAndAnUnsafeChangeIsRefusedFirst(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("sc_src");
        runDdl(source, "orders");
        runDdl(source, "accounts");
        execute(source, "INSERT INTO orders SELECT g, 'c' || g, g * 1.5, 'new', NULL, now(), 1 FROM generate_series(1, "
                + ROWS + ") g", "INSERT INTO accounts SELECT g, 100, 1 FROM generate_series(1, 10) g");
        String pgSink = createDatabase("sc_pg");
        runDdl(pgSink, "orders");
        runDdl(pgSink, "accounts");
        String mySink = mariadb.createDatabase("sc_my");
        mariadb.runDdl(mySink, "mysql/orders");
        mariadb.runDdl(mySink, "mysql/accounts");
        Path file = pipelineFile(source, pgSink, mySink);
        PipelineDef def = PipelineConfigLoader.load(file);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID first = TestJobs.submit(client, job);
        String rest = client.getWebInterfaceURL();
        try {
            awaitEqual(def);

            // a change no sink column can follow by widening: refused, and nothing is stopped
            execute(source, "ALTER TABLE accounts ALTER COLUMN balance TYPE text");
            CliRun refused = CliRun.of("schema-change", file.toString(), "--job", first.toString(),
                    "--rest-address", rest, "--jar", CliJar.path().toString());
            System.out.println("$ tidemark schema-change pipeline.yaml --job " + first + "\n" + refused);
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
            assertThat(refused.out()).contains("BLOCKING sinks.warehouse public.accounts.balance: the source's text"
                    + " does not fit the sink's bigint");
            assertThat(refused.errLines()).containsExactly("tidemark: refused: the source's change cannot be applied"
                    + " to the sinks safely; nothing was stopped or changed");
            assertThat(client.getJobStatus(first).get()).isEqualTo(JobStatus.RUNNING);
            execute(source, "ALTER TABLE accounts ALTER COLUMN balance TYPE bigint USING balance::bigint");

            // the source gains a column and widens one while the job streams, and changes use both
            execute(source, "ALTER TABLE orders ADD COLUMN coupon varchar(32)",
                    "ALTER TABLE orders ALTER COLUMN version TYPE bigint",
                    "UPDATE orders SET coupon = 'SAVE10', version = 5000000000 WHERE id <= 50",
                    "INSERT INTO orders SELECT g, 'late', 2.50, 'new', NULL, now(), 6000000000, 'NEW' || g"
                            + " FROM generate_series(" + (ROWS + 1) + ", " + (ROWS + 20) + ") g");
            await().atMost(Duration.ofMinutes(1)).until(() -> redisField("public.orders:" + (ROWS + 20), "coupon") != null);

            CliRun applied = CliRun.of("schema-change", file.toString(), "--job", first.toString(),
                    "--rest-address", rest, "--jar", CliJar.path().toString());
            System.out.println("$ tidemark schema-change pipeline.yaml --job " + first + "\n" + applied);
            assertThat(applied.exitCode()).as(applied.toString()).isEqualTo(ExitCodes.OK);
            assertThat(applied.out()).contains(
                    "sinks.warehouse: ALTER TABLE \"public\".\"orders\" ADD COLUMN \"coupon\" character varying(32)",
                    "sinks.warehouse: ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"version\" TYPE bigint",
                    "sinks.mart: ALTER TABLE `" + mySink + "`.`orders` ADD COLUMN `coupon` VARCHAR(32)",
                    "sinks.mart: ALTER TABLE `" + mySink + "`.`orders` MODIFY COLUMN `version` BIGINT NOT NULL",
                    "EQUAL     public.orders -> warehouse", "EQUAL     public.orders -> mart",
                    "EQUAL     public.orders -> cache");
            assertThat(count(pgSink, "SELECT count(*) FROM orders WHERE coupon = 'SAVE10' AND version = 5000000000"))
                    .isEqualTo(50);
            assertThat(mariadb.single(mySink, "SELECT count(*) FROM orders WHERE coupon LIKE 'NEW%'"
                    + " AND version = 6000000000")).isEqualTo("20");
            assertThat(redisField("public.orders:7", "coupon")).isEqualTo("SAVE10");

            List<JobStatusMessage> running = client.listJobs().get().stream()
                    .filter(j -> j.getJobState() == JobStatus.RUNNING).toList();
            assertThat(running).hasSize(1);
            JobID restored = running.get(0).getJobId();
            assertThat(restored).isNotEqualTo(first);
            assertThat(client.getJobStatus(first).get()).isEqualTo(JobStatus.FINISHED);
            try {
                execute(source, "UPDATE orders SET coupon = 'AFTER' WHERE id = 100");
                awaitEqual(def);
            } finally {
                TestJobs.cancel(client, restored);
            }
        } finally {
            TestJobs.cancel(client, first);
        }
    }

    private static void awaitEqual(PipelineDef def) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            ReconcileReport report = new Reconciler(def, ReconcileOptions.defaults().withSettleTimeout(Duration.ZERO),
                    ReconcileListener.NONE).run();
            return report.equal();
        });
    }

    private static String redisField(String key, String field) {
        return redis.commands().hget("sc:" + key, field);
    }

    private Path pipelineFile(String source, String pgSink, String mySink) throws IOException {
        return PipelineFile.postgres("schema-change", port(), source, "sc_" + source,
                        List.of("public.orders", "public.accounts"))
                .jdbcSink("warehouse", jdbcUrl(pgSink), "postgres", "postgres")
                .jdbcSink("mart", mariadb.jdbcUrl(mySink), MariaDbTestServer.USER, MariaDbTestServer.PASSWORD)
                .redisSink("cache", redis.uri(), "sc")
                .route("public.orders", "warehouse").route("public.accounts", "warehouse")
                .route("public.orders", "mart", mySink + ".orders").route("public.accounts", "mart", mySink + ".accounts")
                .route("public.orders", "cache").route("public.accounts", "cache")
                .deadLetterQueue(jdbcUrl(pgSink))
                .write(temp, "pipeline.yaml");
    }
}
