package io.tidemark.cli;

import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.StandaloneFlinkCluster;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.rest.RestSnapshotService;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.util.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The spec's node failure, on a real multi-process cluster with the production job jar (issue 14
 * item 5). A standalone session cluster of separate JVMs (one JobManager, two TaskManagers) runs on
 * a Flink distribution's class path only; the job jar that {@code package} builds
 * ({@code target/tidemark-job.jar}) is uploaded and run through REST as a user (or {@code tidemark
 * restore}) does. A TaskManager process running half of the job is then killed with SIGKILL while
 * changes stream: the JobManager restores the job from its latest checkpoint on the other
 * TaskManager, and the sink ends equal to the source, with no row version written twice or going
 * back. The time from the kill to the sink being equal again is printed.
 */
class NodeFailureITCase extends PostgresTestBase {

    private static final String COLUMNS = "id, customer, amount, status, note, updated_at, version";
    private static final int SNAPSHOT_ROWS = 5_000;

    @TempDir
    Path temp;

    @Test
    void theJobJarRunsOnAClusterAndATaskManagerKilledMidStreamIsRecoveredWithTheSinkEqual() throws Exception {
        Path jobJar = Path.of("target", "tidemark-job.jar");
        assertThat(jobJar).as("the job jar, built by package (the job-jar profile, on unless -DskipJobJar)").isRegularFile();
        String source = createDatabase("src_node");
        String sink = createDatabase("sink_node");
        runDdl(source, "orders");
        runDdl(sink, "orders");
        runDdl(sink, "orders-audit");
        OrdersWorkload workload = new OrdersWorkload(23, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        Path pipeline = pipelineFile(source, sink);

        // the processes' logs stay in target/ for a look after a failure
        Path clusterDir = Path.of("target", "node-failure-cluster");
        FileUtils.deleteDirectory(clusterDir.toFile());
        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.startDistribution(clusterDir.toAbsolutePath(), 2, 2);
                RestSnapshotService rest = RestSnapshotService.connect(URI.create(cluster.client().getWebInterfaceURL()))) {
            assertThat(cluster.classPath()).doesNotContain("tidemark").doesNotContain("flink-connector-jdbc")
                    .doesNotContain("postgresql");
            JobID jobId = rest.submit(new JobSubmission(jobJar.toAbsolutePath(), PipelineJobMain.class.getName(),
                    List.of("--config", pipeline.toString()), null, RestoreMode.NO_CLAIM, false), ProgressListener.NONE);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> count(sink, "SELECT count(*) FROM orders") >= SNAPSHOT_ROWS);
            try (Connection c = connect(source)) {
                workload.run(c, 3_000);
                awaitEqual(source, sink); // checkpoints past the snapshot exist now
                workload.run(c, 3_000);
            }

            long killedAt = System.nanoTime();
            cluster.killTaskManager(0);
            try (Connection c = connect(source)) {
                workload.run(c, 3_000); // while the job is down or restarting
            }
            // the job lost tasks with the process (slots are spread over both TaskManagers) and restarted
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Files.readString(cluster.logOf("jobmanager")).contains("to RESTARTING"));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.client().getJobStatus(jobId).get() == JobStatus.RUNNING
                            && cluster.registeredTaskManagers().size() == 1);
            awaitEqual(source, sink);
            System.out.printf("NodeFailureITCase: TaskManager killed; the sink equalled the source again %.1f s later%n",
                    (System.nanoTime() - killedAt) / 1e9);

            // what an operator checks first (docs/runbooks/node-failure.md shows this output)
            CliRun status = CliRun.of("checkpoint", "status", jobId.toString(), "--rest-address",
                    cluster.client().getWebInterfaceURL());
            System.out.println("NodeFailureITCase: tidemark checkpoint status " + jobId + "\n" + status.out());
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.out()).contains("RUNNING").containsPattern("restored from: +checkpoint #\\d+ ");
            assertThat(cluster.taskManager(0).isAlive()).isFalse();
            assertThat(cluster.client().getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
            long regressions = count(sink,
                    "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) AS prev"
                            + " FROM orders_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev");
            assertThat(regressions).as("row versions written at or below an earlier position").isZero();
            cluster.client().cancel(jobId).get(30, TimeUnit.SECONDS);
        }
    }

    /** The pipeline file as a user writes it: parallelism 2, checkpoints every second, restarts on failure. */
    private Path pipelineFile(String source, String sink) throws Exception {
        Path secret = temp.resolve("db-password");
        Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, "postgres\n");
        Path file = temp.resolve("pipeline.yaml");
        Files.writeString(file, "pipeline:\n"
                + "  name: node-failure\n"
                + "  parallelism: 2\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  hostname: 127.0.0.1\n"
                + "  port: " + port() + "\n"
                + "  database: " + source + "\n"
                + "  username: postgres\n"
                + "  password: ${file:" + secret + "}\n"
                + "  slot-name: node_failure\n"
                + "  tables:\n"
                + "    - public.orders\n"
                + "sinks:\n"
                + "  - name: warehouse\n"
                + "    type: jdbc\n"
                + "    url: " + jdbcUrl(sink) + "\n"
                + "    username: postgres\n"
                + "    password: ${file:" + secret + "}\n"
                + "    flush-interval: 100ms\n"
                + "checkpointing:\n"
                + "  interval: 1s\n"
                + "  timeout: 60s\n"
                + "  min-pause: 200ms\n"
                + "  externalized-retention: RETAIN_ON_CANCELLATION\n"
                + "  checkpoints-dir: '" + temp.resolve("checkpoints").toUri() + "'\n"
                + "  savepoints-dir: '" + temp.resolve("savepoints").toUri() + "'\n");
        return file;
    }

    private static void awaitEqual(String source, String sink) throws Exception {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(source, "orders", COLUMNS, "id").equals(rows(sink, "orders", COLUMNS, "id")));
    }
}
