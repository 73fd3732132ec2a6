package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Restores during the initial snapshot with rows deleted before their chunk is read again (issue 13
 * item 4). Flink CDC reads again every chunk the restored checkpoint does not count as done, and the
 * new read emits no delete for a row that vanished since the first read wrote it; the chunk's sweep
 * removes such rows. Before the sweep, 50 of 3,000 rows stayed in the sink.
 */
class MidSnapshotRestoreITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ROWS = 3_000;

    @TempDir
    Path temp;

    @Test
    void aFailureBeforeAnyCheckpointLeavesNoGhosts(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        // no checkpoint completes before the failure, so every chunk the sink holds is read again
        restoreMidSnapshot(client, "ghosts", Duration.ofMinutes(10), 1);
    }

    @Test
    void aRestoreFromACheckpointTakenMidSnapshotLeavesNoGhosts(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        // checkpoints every 200 ms fall among the slow chunk's rows: the restore reads that chunk again
        restoreMidSnapshot(client, "ghostcp", Duration.ofMillis(200), 2);
    }

    private void restoreMidSnapshot(RestClusterClient<?> client, String name, Duration checkpointEvery, int parallelism)
            throws Exception {
        String source = createDatabase("src_" + name);
        String sink = createDatabase("sink_" + name);
        for (String db : List.of(source, sink)) {
            execute(db, "CREATE TABLE ghosts (id INT PRIMARY KEY, v TEXT NOT NULL)");
        }
        execute(source, "ALTER TABLE ghosts REPLICA IDENTITY FULL");
        execute(source, "INSERT INTO ghosts SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g");

        PipelineDef base = pipeline("it-" + name, source, sink, List.of("public.ghosts"), temp, parallelism);
        CheckpointingDef checkpointing = new CheckpointingDef(checkpointEvery, base.checkpointing().timeout(),
                base.checkpointing().minPause(), base.checkpointing().externalizedRetention(),
                base.checkpointing().checkpointsDir(), base.checkpointing().savepointsDir());
        PipelineDef def = new PipelineDef(base.name(), parallelism, base.source(), base.sinks(), base.routes(),
                checkpointing);
        String scenario = name + "-" + System.nanoTime();
        // chunks of 1,000 rows: rows 1,001 to 1,500 pass slowly, so the sink writes part of a chunk and
        // checkpoints fall among them; the job fails before that chunk is done
        PipelineJob job = TestJobs.failingAt(def, scenario, 1_600);
        FailureInjector.countingSnapshotRows(scenario);
        FailureInjector.slowDown(scenario, 1_001, 1_500, Duration.ofMillis(3));
        job.prepare();
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(5));
        JobID jobId = TestJobs.submit(client, job, restart);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> FailureInjector.failures(scenario) >= 1);
            assertThat(rows(sink, "ghosts", "id", "id")).as("rows written before the failure").isNotEmpty();
            // every 20th row, while the job waits to restart: rows of chunks read again must not stay
            execute(source, "DELETE FROM ghosts WHERE id % 20 = 0");
            execute(source, "UPDATE ghosts SET v = 'after' WHERE id = " + (ROWS - 1));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                TestJobs.requireNotFailed(client, jobId);
                assertThat(count(sink, "SELECT count(*) FROM ghosts WHERE id = " + (ROWS - 1) + " AND v = 'after'"))
                        .isOne();
            });
            List<String> ghosts = new ArrayList<>(rows(sink, "ghosts", "id", "id"));
            ghosts.removeAll(rows(source, "ghosts", "id", "id"));
            assertThat(ghosts).as("rows deleted at the source that survive in the sink").isEmpty();
            assertThat(rows(sink, "ghosts", "id, v", "id")).containsExactlyElementsOf(rows(source, "ghosts", "id, v", "id"));
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }
}
