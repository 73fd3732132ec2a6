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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tidemark drill corruption} on a running job (PostgreSQL into PostgreSQL and MariaDB): rows
 * damaged in each sink are all found by reconcile, nothing else is, and the runbook's repair through
 * the running job makes the table equal again; without {@code --yes} nothing is touched.
 */
class CorruptionDrillITCase extends PostgresTestBase implements MiniClusterTests {

    @TempDir
    Path temp;

    @Test
    void damagedRowsAreFoundAndRepairedInEachSink(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        MariaDbTestServer mariadb = MariaDbTestServer.get();
        String source = createDatabase("drill_src");
        runDdl(source, "orders");
        execute(source, "INSERT INTO orders SELECT g, 'c' || g, g * 1.5, 'new', 'note ' || g, now(), 1"
                + " FROM generate_series(1, 2000) g");
        String pgSink = createDatabase("drill_pg");
        runDdl(pgSink, "orders");
        String mySink = mariadb.createDatabase("drill_my");
        mariadb.runDdl(mySink, "mysql/orders");
        Path file = Files.writeString(temp.resolve("pipeline.yaml"), """
                pipeline:
                  name: drill
                source:
                  type: postgres
                  hostname: 127.0.0.1
                  port: %d
                  database: %s
                  username: postgres
                  password: postgres
                  tables: [public.orders]
                  slot-name: drill_%s
                  publication-name: drill_%s
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: %s
                    username: postgres
                    password: postgres
                  - name: mart
                    type: jdbc
                    url: %s
                    username: %s
                    password: %s
                routes:
                  - {source-table: public.orders, sink: warehouse}
                  - {source-table: public.orders, sink: mart, sink-table: %s.orders}
                checkpointing:
                  interval: 1s
                  checkpoints-dir: %s
                  savepoints-dir: %s
                """.formatted(port(), source, source, source, jdbcUrl(pgSink), mariadb.jdbcUrl(mySink),
                MariaDbTestServer.USER, MariaDbTestServer.PASSWORD, mySink, temp.resolve("checkpoints").toUri(),
                temp.resolve("savepoints").toUri()));
        PipelineDef def = PipelineConfigLoader.load(file);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID id = TestJobs.submit(client, job);
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
}
