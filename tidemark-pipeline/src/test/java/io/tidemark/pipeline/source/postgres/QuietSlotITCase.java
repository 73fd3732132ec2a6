package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The WAL does not grow while the pipeline is idle: with the captured table quiet and another table
 * of the same database written all along, the job's replication slot still advances past those
 * writes, so PostgreSQL can recycle their WAL. (pgoutput sends nothing for a transaction that
 * touches no published table, so without a heartbeat written into the publication the slot would
 * stay where the last captured change left it, and the WAL would grow until the disk is full.)
 */
class QuietSlotITCase extends PostgresTestBase implements MiniClusterTests {

    @TempDir
    Path temp;

    @Test
    void slotAdvancesPastWritesToTablesThePipelineDoesNotCapture(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("quiet_src");
        String sink = createDatabase("quiet_sink");
        execute(source,
                "CREATE TABLE quiet (id int PRIMARY KEY, note int)",
                "CREATE TABLE busy (id serial PRIMARY KEY, payload text)",
                "INSERT INTO quiet VALUES (1, 0)");
        execute(sink, "CREATE TABLE quiet (id int PRIMARY KEY, note int)");
        PipelineDef def = pipeline("quiet-slot", source, sink, List.of("public.quiet"), temp, 1);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID jobId = TestJobs.submit(client, job);
        try {
            // streaming: a change after the snapshot arrives
            await().atMost(Duration.ofMinutes(1)).until(() -> count(sink, "SELECT count(*) FROM quiet") == 1);
            execute(source, "UPDATE quiet SET note = 1 WHERE id = 1");
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> count(sink, "SELECT count(*) FROM quiet WHERE note = 1") == 1);
            long confirmedBefore = confirmedFlushLsn(source, "quiet_slot");

            // only the table the pipeline does not capture is written from now on
            for (int round = 0; round < 20; round++) {
                execute(source, "INSERT INTO busy (payload) SELECT repeat('x', 1000) FROM generate_series(1, 200)");
            }
            long walAfterWrites = currentWalLsn(source);
            assertThat(walAfterWrites - confirmedBefore).as("WAL written since the last captured change")
                    .isGreaterThan(1_000_000);

            await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(confirmedFlushLsn(source, "quiet_slot"))
                            .as("the slot's confirmed_flush_lsn, past the writes to the uncaptured table")
                            .isGreaterThanOrEqualTo(walAfterWrites));

            // the WAL is the whole server's: writes to another database grow it just as well
            String other = createDatabase("quiet_other");
            execute(other, "CREATE TABLE elsewhere (id serial PRIMARY KEY, payload text)");
            for (int round = 0; round < 20; round++) {
                execute(other, "INSERT INTO elsewhere (payload) SELECT repeat('x', 1000) FROM generate_series(1, 200)");
            }
            long walAfterOtherDatabase = currentWalLsn(source);
            await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(confirmedFlushLsn(source, "quiet_slot"))
                            .as("the slot's confirmed_flush_lsn, past the writes to another database")
                            .isGreaterThanOrEqualTo(walAfterOtherDatabase));
            TestJobs.requireNotFailed(client, jobId);
            assertThat(count(sink, "SELECT count(*) FROM quiet")).isEqualTo(1);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    static long confirmedFlushLsn(String database, String slot) throws SQLException {
        return lsn(database, "SELECT coalesce(confirmed_flush_lsn - '0/0'::pg_lsn, 0) FROM pg_replication_slots"
                + " WHERE slot_name = '" + slot + "'");
    }

    static long currentWalLsn(String database) throws SQLException {
        return lsn(database, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
    }

    private static long lsn(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getLong(1);
        }
    }
}
