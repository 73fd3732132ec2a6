package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.testing.JobManagerOperatorGauges;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pipeline's replication slot as the job's enumerator creates it (issue 18). Its creation waits
 * for every transaction running at that moment, in any database: while it does, the running job's
 * gauges say for how long and for which backend pid, nothing is copied, and the snapshot starts once
 * that transaction ends. A job restored from a savepoint whose slot has since been dropped fails
 * saying so, instead of creating a new slot that would silently skip the changes in between.
 */
class SlotCreationITCase extends PostgresTestBase implements MiniClusterTests {

    private static final String COLUMNS = "id, v";

    @TempDir
    Path temp;

    @Test
    void whileTheSlotsCreationWaitsTheJobsGaugesNameTheTransactionAndNothingIsCopied(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createTable(createDatabase("src_slot_wait"), 2_000);
        String sink = createTable(createDatabase("sink_slot_wait"), 0);
        PipelineJob job = PipelineJob.of(pipeline("it-slot-wait", source, sink, List.of("public.items"), temp, 1));
        job.prepare();
        try (Connection elsewhere = connect("postgres")) {
            elsewhere.setAutoCommit(false);
            int pid;
            try (Statement st = elsewhere.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), txid_current()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            JobID jobId = TestJobs.submit(client, job);
            try {
                JobManagerOperatorGauges gauges = new JobManagerOperatorGauges(client, jobId);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    TestJobs.requireNotFailed(client, jobId);
                    assertThat(gauges.value(SlotCreationWait.BLOCKER_PID)).as("blocker pid").isEqualTo(pid);
                    assertThat(gauges.value(SlotCreationWait.WAIT_SECONDS)).as("wait seconds").isGreaterThanOrEqualTo(3);
                });
                assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
                assertThat(count(sink, "SELECT count(*) FROM items")).as("rows copied while the slot waits").isZero();

                elsewhere.commit();
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    TestJobs.requireNotFailed(client, jobId);
                    assertThat(gauges.value(SlotCreationWait.WAIT_SECONDS)).as("wait seconds").isZero();
                    assertThat(gauges.value(SlotCreationWait.BLOCKER_PID)).as("blocker pid").isZero();
                });
                execute(source, "UPDATE items SET v = 'after' WHERE id % 7 = 0", "DELETE FROM items WHERE id % 11 = 0");
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(rows(sink, "items", COLUMNS, "id")).isEqualTo(rows(source, "items", COLUMNS, "id")));
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    @Test
    void aJobRestoredAfterItsSlotWasDroppedFailsSayingSoAndCreatesNoSlot(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createTable(createDatabase("src_slot_gone"), 500);
        String sink = createTable(createDatabase("sink_slot_gone"), 0);
        PipelineJob job = PipelineJob.of(pipeline("it-slot-gone", source, sink, List.of("public.items"), temp, 1));
        job.prepare();
        JobID first = TestJobs.submit(client, job);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            TestJobs.requireNotFailed(client, first);
            assertThat(rows(sink, "items", COLUMNS, "id")).isEqualTo(rows(source, "items", COLUMNS, "id"));
        });
        String savepoint = client.stopWithSavepoint(first, false, temp.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.getJobStatus(first).get().isGloballyTerminalState());
        // while the job is down: a change only the slot holds, then the slot goes
        execute(source, "UPDATE items SET v = 'while down' WHERE id = 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(source,
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'it_slot_gone' AND NOT active") == 1);
        execute(source, "SELECT pg_drop_replication_slot('it_slot_gone')");

        JobID second = client.submitJob(job.jobGraph(TestJobs.noRestarts(), SavepointRestoreSettings.forPath(savepoint, false)))
                .get(1, TimeUnit.MINUTES);
        try {
            assertThat(TestJobs.rootFailure(client, second)).isEqualTo("source: replication slot it_slot_gone does not"
                    + " exist, but the job resumes from a checkpoint or savepoint taken while it did, so the changes since"
                    + " then are gone from PostgreSQL; start the pipeline anew with a snapshot into empty sink tables"
                    + " (tidemark run --config FILE, without --from-savepoint)");
            assertThat(count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'it\\_slot\\_gone%'"))
                    .as("slots created").isZero();
        } finally {
            TestJobs.cancel(client, second);
        }
    }

    private static String createTable(String database, int rows) {
        execute(database, "CREATE TABLE items (id INT PRIMARY KEY, v TEXT NOT NULL)",
                "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, 'initial ' || g FROM generate_series(1, " + rows + ") g");
        return database;
    }
}
