package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A declaratively partitioned PostgreSQL table is captured under its parent's name: snapshot and
 * stream, rows inserted into, updated in, moved between (a change of the partition key) and deleted
 * from three partitions, with three failures injected, end equal in a plain sink table, and so after
 * a truncate of the partitioned table. Before, the
 * parent was accepted at startup and then never captured: the sink stayed empty.
 */
class PartitionedTableITCase extends PostgresTestBase implements MiniClusterTests {

    private static final String COLUMNS = "id, region, value, note";

    @TempDir
    Path temp;

    @Test
    void aPartitionedTableIsCapturedUnderItsParentsName(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_partitioned");
        String sink = createDatabase("sink_partitioned");
        execute(source,
                "CREATE TABLE measurements (id BIGINT, region INT, value INT NOT NULL, note TEXT,"
                        + " PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE measurements_1 PARTITION OF measurements FOR VALUES IN (1)",
                "CREATE TABLE measurements_2 PARTITION OF measurements FOR VALUES IN (2)",
                "CREATE TABLE measurements_3 PARTITION OF measurements FOR VALUES IN (3)",
                "ALTER TABLE measurements REPLICA IDENTITY FULL",
                "ALTER TABLE measurements_1 REPLICA IDENTITY FULL",
                "ALTER TABLE measurements_2 REPLICA IDENTITY FULL",
                "ALTER TABLE measurements_3 REPLICA IDENTITY FULL",
                "INSERT INTO measurements SELECT g, 1 + g % 3, g, 'snapshot ' || g FROM generate_series(1, 3000) g");
        execute(sink, "CREATE TABLE measurements (id BIGINT, region INT, value INT NOT NULL, note TEXT,"
                + " PRIMARY KEY (id, region))");
        PipelineDef def = pipeline("it-partitioned", source, sink, List.of("public.measurements"), temp, 2);
        String scenario = "partitioned-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 400, 1_200, 2_000);
        job.prepare();

        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> count(sink, "SELECT count(*) FROM measurements") == 3000);
            Random random = new Random(61);
            int moved = 0;
            try (Connection c = connect(source); Statement st = c.createStatement()) {
                for (int i = 0; i < 3_000; i++) {
                    long id = 1 + random.nextInt(3_500);
                    int dice = random.nextInt(10);
                    if (dice < 3) {
                        st.execute("INSERT INTO measurements SELECT " + id + ", " + (1 + random.nextInt(3)) + ", " + i
                                + ", 'streamed' WHERE NOT EXISTS (SELECT 1 FROM measurements WHERE id = " + id + ")");
                    } else if (dice < 6) {
                        st.execute("UPDATE measurements SET value = value + 1, note = 'updated " + i + "' WHERE id = " + id);
                    } else if (dice < 9) {
                        moved += move(st, id, 1 + random.nextInt(3));
                    } else {
                        st.execute("DELETE FROM measurements WHERE id = " + id);
                    }
                }
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    rows(source, "measurements", COLUMNS, "id, region").equals(rows(sink, "measurements", COLUMNS, "id, region")));

            assertThat(rows(sink, "measurements", COLUMNS, "id, region"))
                    .containsExactlyElementsOf(rows(source, "measurements", COLUMNS, "id, region"));
            assertThat(moved).as("rows that changed partition").isGreaterThan(300);

            // a truncate of the partitioned table empties the sink table too; rows after it stay
            execute(source, "TRUNCATE measurements",
                    "INSERT INTO measurements SELECT g, 1 + g % 3, g, 'after truncate' FROM generate_series(1, 30) g");
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() ->
                    rows(source, "measurements", COLUMNS, "id, region").equals(rows(sink, "measurements", COLUMNS, "id, region")));
            assertThat(count(sink, "SELECT count(*) FROM measurements")).isEqualTo(30);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /**
     * Moves a row to another partition (a change of the partition key, which PostgreSQL does as a
     * delete and an insert). Each id lives in one partition at a time, so the move never collides.
     */
    private static int move(Statement st, long id, int region) throws SQLException {
        return st.executeUpdate("UPDATE measurements SET region = " + region + ", note = 'moved'"
                + " WHERE id = " + id + " AND region <> " + region);
    }
}
