package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The drills on a running job (PostgreSQL into PostgreSQL and MariaDB). {@code drill corruption}:
 * rows damaged in each sink are all found by reconcile, nothing else is, and the runbook's repair
 * through the running job makes the table equal again; without {@code --yes} nothing is touched.
 * {@code drill dr}: the job stopped with a savepoint while the source keeps changing, restored
 * through the cluster's REST API, and back equal, with RPO and RTO reported.
 */
class DrillsITCase extends PostgresTestBase implements MiniClusterTests {

    @TempDir
    Path temp;

    @Test
    void damagedRowsAreFoundAndRepairedInEachSink(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        Started started = start(client, "drill");
        Path file = started.file();
        String pgSink = started.pgSink();
        String mySink = started.mySink();
        MariaDbTestServer mariadb = MariaDbTestServer.get();
        JobID id = started.job();
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> count(pgSink, "SELECT count(*) FROM orders") == 2000
                    && "2000".equals(mariadb.single(mySink, "SELECT count(*) FROM orders")));

            CliRun unconfirmed = CliRun.of("drill", "corruption", file.toString(), "--table", "public.orders",
                    "--sink", "warehouse");
            assertThat(unconfirmed.exitCode()).as(unconfirmed.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(unconfirmed.err()).contains("this damages 10 rows of sinks.warehouse public.orders");
            assertThat(count(pgSink, "SELECT count(*) FROM orders")).isEqualTo(2000);

            CliRun warehouse = CliRun.of("drill", "corruption", file.toString(), "--table", "public.orders",
                    "--sink", "warehouse", "--rows", "10", "--yes");
            System.out.println("$ tidemark drill corruption pipeline.yaml --table public.orders --sink warehouse"
                    + " --rows 10 --yes\n" + warehouse);
            assertThat(warehouse.exitCode()).as(warehouse.toString()).isEqualTo(ExitCodes.OK);
            assertThat(warehouse.out()).contains("damaged 10 rows of sinks.warehouse public.orders: 5 deleted, 5 with"
                    + " note emptied", "reconcile found 10 of 10 damaged keys",
                    "drill PASSED: 10 damaged, 10 detected, 0 missed, 0 unexpected");

            CliRun mart = CliRun.of("drill", "corruption", file.toString(), "--table", "public.orders",
                    "--sink", "mart", "--rows", "6", "--yes", "--output", "json");
            assertThat(mart.exitCode()).as(mart.toString()).isEqualTo(ExitCodes.OK);
            assertThat(mart.out()).contains("\"detected\":6", "\"passed\":true");
            assertThat(count(pgSink, "SELECT count(*) FROM orders WHERE note IS NOT NULL")).isEqualTo(2000);
        } finally {
            TestJobs.cancel(client, id);
        }
    }

    @Test
    void aDisasterRecoveryDrillReportsRpoAndRtoAndComesBackEqual(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        Started started = start(client, "drdrill");
        JobID restored = null;
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> count(started.pgSink(), "SELECT count(*) FROM orders") == 2000);
            // streaming: the source readers hold the stream position a savepoint records (not only snapshot chunks)
            execute(started.source(), "UPDATE orders SET note = 'streaming' WHERE id = 2");
            await().atMost(Duration.ofMinutes(1)).until(() ->
                    count(started.pgSink(), "SELECT count(*) FROM orders WHERE note = 'streaming'") == 1);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            // changes for the first 4 s: while the job is stopped (3 s down) and as it comes back
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            Thread workload = new Thread(() -> {
                int i = 0;
                while (!stop.get() && System.nanoTime() < until) {
                    execute(started.source(), "UPDATE orders SET version = version + 1 WHERE id = " + (1 + i++ % 2000));
                }
            });
            workload.start();
            CliRun dr;
            try {
                dr = CliRun.of("drill", "dr", started.file().toString(), "--job", started.job().toString(),
                        "--down-for", "3s", "--rest-address", client.getWebInterfaceURL(),
                        "--jar", CliJar.path().toString());
            } finally {
                stop.set(true);
                workload.join();
            }
            System.out.println("$ tidemark drill dr pipeline.yaml --job " + started.job() + " --down-for 3s\n" + dr);
            assertThat(dr.exitCode()).as(dr.toString()).isEqualTo(ExitCodes.OK);
            assertThat(dr.out())
                    .containsPattern("RPO: [0-9,]+ bytes of WAL and [0-9.]+ s of changes past the savepoint")
                    .contains("RTO: ", "EQUAL     public.orders -> warehouse", "EQUAL     public.orders -> mart",
                            "drill PASSED");
            assertThat(dr.out()).doesNotContain("RPO: 0 bytes");
            restored = client.listJobs().get().stream()
                    .filter(j -> j.getJobState() == org.apache.flink.api.common.JobStatus.RUNNING)
                    .map(org.apache.flink.runtime.client.JobStatusMessage::getJobId).findFirst().orElseThrow();
            // the restored job keeps streaming
            execute(started.source(), "UPDATE orders SET note = 'after the drill' WHERE id = 1");
            JobID running = restored;
            await().atMost(Duration.ofMinutes(1)).until(() ->
                    count(started.pgSink(), "SELECT count(*) FROM orders WHERE note = 'after the drill'") == 1);
        } finally {
            if (restored != null) {
                TestJobs.cancel(client, restored);
            }
            TestJobs.cancel(client, started.job());
        }
    }

    /** A running pipeline: its file, databases and job. */
    private record Started(Path file, String source, String pgSink, String mySink, JobID job) {}

    private Started start(RestClusterClient<?> client, String name) throws Exception {
        MariaDbTestServer mariadb = MariaDbTestServer.get();
        String source = createDatabase(name + "_src");
        runDdl(source, "orders");
        execute(source, "INSERT INTO orders SELECT g, 'c' || g, g * 1.5, 'new', 'note ' || g, now(), 1"
                + " FROM generate_series(1, 2000) g");
        String pgSink = createDatabase(name + "_pg");
        runDdl(pgSink, "orders");
        String mySink = mariadb.createDatabase(name + "_my");
        mariadb.runDdl(mySink, "mysql/orders");
        Path file = PipelineFile.postgres(name, port(), source, "drill_" + source, List.of("public.orders"))
                .jdbcSink("warehouse", jdbcUrl(pgSink), "postgres", "postgres")
                .jdbcSink("mart", mariadb.jdbcUrl(mySink), MariaDbTestServer.USER, MariaDbTestServer.PASSWORD)
                .route("public.orders", "warehouse").route("public.orders", "mart", mySink + ".orders")
                .write(temp, name + ".yaml");
        PipelineDef def = PipelineConfigLoader.load(file);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID id = TestJobs.submit(client, job);
        return new Started(file, source, pgSink, mySink, id);
    }
}
