package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A source password given as a {@code ${file:...}} secret never enters the job graph, which is
 * handed to the cluster and kept by it (the REST API, the JobManager's HA store): it is resolved
 * only where the source's enumerator and readers open. The same pipelines then run end to end.
 */
class SourceSecretsITCase extends PostgresTestBase implements MiniClusterTests {

    /** Distinctive, so that finding it in the job graph's bytes cannot be a coincidence. */
    private static final String PASSWORD = "Tidemark-Source-Secret-5f2c9a71";
    private static final String USER = "secret_probe";

    @TempDir
    Path temp;

    @Test
    void aPostgresSourcePasswordFromAFileIsNotInTheJobGraphAndTheJobRuns(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + USER + "') THEN"
                + " CREATE ROLE " + USER + " LOGIN SUPERUSER REPLICATION PASSWORD '" + PASSWORD + "'; END IF; END $$");
        String sourceDb = createDatabase("src_secret");
        String sinkDb = createDatabase("sink_secret");
        runDdl(sourceDb, "orders");
        runDdl(sinkDb, "orders");
        PipelineDef base = pipeline("it-pg-secret", sourceDb, sinkDb, List.of("public.orders"), temp, 1);
        PostgresSourceDef literal = (PostgresSourceDef) base.source();
        PostgresSourceDef source = new PostgresSourceDef(literal.hostname(), literal.port(), sourceDb, USER,
                passwordFile(), literal.tables(), literal.slotName(), literal.publicationName(), 1000,
                StartupMode.INITIAL);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), source, base.sinks(), base.routes(),
                base.checkpointing());

        assertPasswordNotIn(PipelineJob.of(def));
        runsEndToEnd(client, PipelineJob.of(def), sourceDb, sinkDb, db -> connect(db));
    }

    @Test
    void aMariaDbSourcePasswordFromAFileIsNotInTheJobGraphAndTheJobRuns(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        MariaDbTestServer mariadb = MariaDbTestServer.get();
        mariadb.execute("", "CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'",
                "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%'");
        String sourceDb = mariadb.createDatabase("src_secret");
        mariadb.runDdl(sourceDb, "mysql/orders");
        String sinkDb = createDatabase("sink_secret_maria");
        runDdl(sinkDb, "orders");
        MySqlSourceDef source = new MySqlSourceDef("127.0.0.1", mariadb.port(), USER, passwordFile(),
                List.of(sourceDb + ".orders"), "5431-5431", "UTC", 1000, StartupMode.INITIAL);
        PipelineDef base = pipeline("it-maria-secret", "unused", sinkDb, List.of("public.orders"), temp, 1);
        JdbcSinkDef sink = (JdbcSinkDef) base.sinks().get(0);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), source, List.of(sink),
                List.of(new RouteDef(sourceDb + ".orders", sink.name(), "public.orders")), base.checkpointing());

        assertPasswordNotIn(PipelineJob.of(def));
        runsEndToEnd(client, PipelineJob.of(def), sourceDb, sinkDb, db -> mariadb.connect(db));
    }

    private Secret passwordFile() throws Exception {
        Path file = temp.resolve("source-password");
        Files.writeString(file, PASSWORD + "\n");
        return Secret.of("${file:" + file.toAbsolutePath() + "}");
    }

    /**
     * The job graph as Java serialization writes it (the operators' configurations hold their
     * serialized sources, sinks and coordinator providers as bytes within it), and each vertex's
     * configuration on its own, searched for the password in UTF-8 and UTF-16.
     */
    private static void assertPasswordNotIn(PipelineJob job) throws Exception {
        JobGraph graph = job.jobGraph(new Configuration(), SavepointRestoreSettings.none());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(InstantiationUtil.serializeObject(graph));
        for (JobVertex vertex : graph.getVertices()) {
            bytes.write(InstantiationUtil.serializeObject(vertex.getConfiguration()));
            bytes.write(InstantiationUtil.serializeObject(vertex.getOperatorCoordinators()));
        }
        String latin1 = bytes.toString(StandardCharsets.ISO_8859_1);
        assertThat(latin1).as("the search finds the source's user name").contains(USER);
        assertThat(latin1).as("the password in UTF-8").doesNotContain(PASSWORD);
        assertThat(latin1).as("the password in UTF-16")
                .doesNotContain(new String(PASSWORD.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1))
                .doesNotContain(new String(PASSWORD.getBytes(StandardCharsets.UTF_16LE), StandardCharsets.ISO_8859_1));
    }

    /** The snapshot and a streamed insert reach the sink: the secret is resolved where the source opens. */
    private static void runsEndToEnd(RestClusterClient<?> client, PipelineJob job, String sourceDb, String sinkDb,
            SourceConnection source) throws Exception {
        job.prepare();
        OrdersWorkload workload = new OrdersWorkload(31, 1);
        try (Connection c = source.open(sourceDb)) {
            workload.seed(c, 20);
        }
        JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> count(sinkDb, "SELECT count(*) FROM orders") == 20);
            try (Connection c = source.open(sourceDb)) {
                new OrdersWorkload(32, 1_000).seed(c, 5);
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> count(sinkDb, "SELECT count(*) FROM orders") == 25);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    @FunctionalInterface
    private interface SourceConnection {
        Connection open(String database) throws Exception;
    }
}
