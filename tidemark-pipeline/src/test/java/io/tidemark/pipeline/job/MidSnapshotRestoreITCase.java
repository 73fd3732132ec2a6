package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MariaDbTestServer;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Restores during the initial snapshot with rows deleted before their chunk is read again (issue 13
 * item 4). Flink CDC reads again every chunk the restored checkpoint does not count as done, and the
 * new read emits no delete for a row that vanished since the first read wrote it; the chunk's sweep
 * removes such rows. Before the sweep, 50 of 3,000 rows stayed in the sink (23 in a run restored from
 * a checkpoint, 92 from MariaDB into MariaDB).
 */
class MidSnapshotRestoreITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ROWS = 3_000;

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @Test
    void aFailureBeforeAnyCheckpointLeavesNoGhosts(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        // no checkpoint completes before the failure, so every chunk the sink holds is read again
        String source = createDatabase("src_ghosts");
        String sink = createDatabase("sink_ghosts");
        PipelineDef def = pipeline("it-ghosts", source, sink, List.of("public.ghosts"), temp, 1);
        restoreMidSnapshot(client, postgres(source), postgres(sink), every(def, Duration.ofMinutes(10)));
    }

    @Test
    void aRestoreFromACheckpointTakenMidSnapshotLeavesNoGhosts(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        // checkpoints every 200 ms fall among the slow chunk's rows: the restore reads that chunk again
        String source = createDatabase("src_ghostcp");
        String sink = createDatabase("sink_ghostcp");
        PipelineDef def = pipeline("it-ghostcp", source, sink, List.of("public.ghosts"), temp, 2);
        restoreMidSnapshot(client, postgres(source), postgres(sink), every(def, Duration.ofMillis(200)));
    }

    /**
     * The MariaDB sink's range delete and arrivals. (MariaDB as the source is left out here: after a
     * failure during the snapshot, Flink CDC 3.5's MySQL snapshot reader now and then never finishes
     * a chunk read again, a known class of upstream hangs; its sweeps are checked by
     * {@code MySqlChangeSourceITCase}.)
     */
    @Test
    void postgresToMariaDbLeavesNoGhosts(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_ghostmaria");
        String sink = mariadb.createDatabase("sink_ghosts");
        PipelineDef base = pipeline("it-ghosts-maria", source, "unused", List.of("public.ghosts"), temp, 2);
        JdbcSinkDef to = new JdbcSinkDef("warehouse", mariadb.jdbcUrl(sink) + "?useSSL=false",
                MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD), 2000, Duration.ofMillis(100), 2,
                Duration.ofDays(7), 3);
        PipelineDef def = new PipelineDef(base.name(), 2, base.source(), List.of(to),
                List.of(new RouteDef("public.ghosts", "warehouse", sink + ".ghosts")), base.checkpointing());
        restoreMidSnapshot(client, postgres(source), maria(sink), every(def, Duration.ofMillis(200)));
    }

    private void restoreMidSnapshot(RestClusterClient<?> client, Db source, Db sink, PipelineDef def) throws Exception {
        for (Db db : List.of(source, sink)) {
            db.execute("CREATE TABLE ghosts (id INT PRIMARY KEY, v VARCHAR(100) NOT NULL)");
        }
        source.execute(source.fill());
        String scenario = def.name() + "-" + System.nanoTime();
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
            assertThat(sink.rows()).as("rows written before the failure").isNotEmpty();
            // every 20th row, while the job waits to restart: rows of chunks read again must not stay
            source.execute("DELETE FROM ghosts WHERE id % 20 = 0",
                    "UPDATE ghosts SET v = 'after' WHERE id = " + (ROWS - 1));
            // the sink subtasks apply the stream's changes independently: wait for all of them
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                TestJobs.requireNotFailed(client, jobId);
                List<String> ghosts = new ArrayList<>(sink.rows());
                ghosts.removeAll(source.rows());
                assertThat(ghosts).as("rows deleted at the source that survive in the sink").isEmpty();
                assertThat(sink.rows()).containsExactlyElementsOf(source.rows());
            });
            assertThat(sink.rows()).contains((ROWS - 1) + "|after");
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    private static PipelineDef every(PipelineDef def, Duration checkpointInterval) {
        CheckpointingDef c = def.checkpointing();
        return new PipelineDef(def.name(), def.parallelism(), def.source(), def.sinks(), def.routes(),
                new CheckpointingDef(checkpointInterval, c.timeout(), c.minPause(), c.externalizedRetention(),
                        c.checkpointsDir(), c.savepointsDir()));
    }

    /** One database of the test, PostgreSQL or MariaDB, through the SQL both understand. */
    private record Db(Consumer<String[]> executor, Callable<Connection> connection, String... fill) {
        void execute(String... statements) {
            executor.accept(statements);
        }

        /** The table's rows as {@code id|v}, by id. */
        List<String> rows() throws Exception {
            try (Connection c = connection.call(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id, v FROM ghosts ORDER BY id")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getInt(1) + "|" + rs.getString(2));
                }
                return rows;
            }
        }
    }

    private static Db postgres(String db) {
        return new Db(statements -> PostgresTestBase.execute(db, statements), () -> connect(db),
                "ALTER TABLE ghosts REPLICA IDENTITY FULL",
                "INSERT INTO ghosts SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g");
    }

    private Db maria(String db) {
        return new Db(statements -> mariadb.execute(db, statements), () -> mariadb.connect(db));
    }
}
