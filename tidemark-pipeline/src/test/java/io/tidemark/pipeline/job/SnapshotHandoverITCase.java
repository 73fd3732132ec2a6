package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
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
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The snapshot → stream handover with transactions open across a chunk's high watermark (issue 13
 * item 4). A transaction that changes rows of a chunk before the chunk's high watermark and commits
 * after it is in neither the chunk (the chunk holds what committed by its high watermark) nor, by
 * change LSN, after it; a transaction that commits between the chunk's low and high watermark is in
 * the chunk and must not be applied again. Positions are placed by commit ({@code SnapshotHandover}).
 */
class SnapshotHandoverITCase extends PostgresTestBase implements MiniClusterTests {

    private static final int ROWS = 200_000;
    private static final String COLUMNS = "id, v";

    @TempDir
    Path temp;

    @Test
    void transactionsOpenAcrossAChunksHighWatermarkArriveOnceThroughFailures(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_handover");
        String sink = createDatabase("sink_handover");
        for (String db : List.of(source, sink)) {
            execute(db, "CREATE TABLE held (id INT PRIMARY KEY, v TEXT NOT NULL, pad TEXT NOT NULL)");
        }
        execute(source, "ALTER TABLE held REPLICA IDENTITY FULL",
                "INSERT INTO held SELECT g, 'initial', repeat('x', 200) FROM generate_series(1, " + ROWS + ") g");
        createAudit(sink);

        PipelineDef base = pipeline("it-handover", source, sink, List.of("public.held"), temp, 1);
        PostgresSourceDef s = (PostgresSourceDef) base.source();
        // one chunk, big enough that its read gives the test time to act between its watermarks
        PostgresSourceDef oneChunk = new PostgresSourceDef(s.hostname(), s.port(), s.database(), s.username(),
                s.password(), s.tables(), s.slotName(), s.publicationName(), ROWS * 2, s.startupMode());
        PipelineDef def = new PipelineDef(base.name(), 1, oneChunk, base.sinks(), base.routes(), base.checkpointing());
        String scenario = "handover-" + System.nanoTime();
        // the first streamed change fails the job: the restore reads the held transaction again
        PipelineJob job = TestJobs.failingAt(def, scenario, 1, 1_500, 3_000);
        job.prepare();
        String backfillSlot = s.slotName() + "_0";

        JobID jobId = TestJobs.submit(client, job);
        try (Connection held = connect(source); Connection inWindow = connect(source)) {
            held.setAutoCommit(false);
            inWindow.setAutoCommit(false);
            // the chunk's backfill slot exists from before its low watermark until its backfill ends
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(2))
                    .until(() -> count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                            + backfillSlot + "'") == 1);
            try (Statement st = held.createStatement()) {
                st.execute("UPDATE held SET v = 'held open' WHERE id = " + ROWS);
                st.execute("UPDATE held SET v = 'first' WHERE id = " + (ROWS - 1));
                st.execute("UPDATE held SET v = 'second' WHERE id = " + (ROWS - 1));
                st.execute("DELETE FROM held WHERE id = " + (ROWS - 2));
                st.execute("INSERT INTO held VALUES (" + (ROWS + 1) + ", 'inserted while held', 'p')");
                st.execute("UPDATE held SET v = 'before the watermark' WHERE id = " + (ROWS - 3));
            }
            try (Statement st = inWindow.createStatement()) {
                st.execute("UPDATE held SET v = 'committed in the window' WHERE id = " + (ROWS - 10));
            }
            inWindow.commit();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                            + backfillSlot + "'") == 0);
            try (Statement st = held.createStatement()) {
                st.execute("UPDATE held SET v = 'after the watermark' WHERE id = " + (ROWS - 3));
                st.execute("UPDATE held SET v = 'only after' WHERE id = " + (ROWS - 4));
            }
            held.commit();

            for (int round = 0; round < 4; round++) {
                execute(source, "UPDATE held SET v = 'round " + round + "' WHERE id % 200 = " + (100 + round));
                Thread.sleep(300);
            }
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                TestJobs.requireNotFailed(client, jobId);
                assertThat(FailureInjector.failures(scenario)).isEqualTo(3);
                assertThat(rows(sink, "held", COLUMNS, "id")).isEqualTo(rows(source, "held", COLUMNS, "id"));
            });
        } finally {
            TestJobs.cancel(client, jobId);
        }
        assertThat(rows(sink, "held", COLUMNS, "id").subList(ROWS - 12, ROWS - 1)).containsExactly(
                "{\"id\":" + (ROWS - 11) + ",\"v\":\"initial\"}",
                "{\"id\":" + (ROWS - 10) + ",\"v\":\"committed in the window\"}",
                "{\"id\":" + (ROWS - 9) + ",\"v\":\"initial\"}",
                "{\"id\":" + (ROWS - 8) + ",\"v\":\"initial\"}",
                "{\"id\":" + (ROWS - 7) + ",\"v\":\"initial\"}",
                "{\"id\":" + (ROWS - 6) + ",\"v\":\"initial\"}",
                "{\"id\":" + (ROWS - 5) + ",\"v\":\"initial\"}",
                "{\"id\":" + (ROWS - 4) + ",\"v\":\"only after\"}",
                "{\"id\":" + (ROWS - 3) + ",\"v\":\"after the watermark\"}",
                "{\"id\":" + (ROWS - 1) + ",\"v\":\"second\"}",
                "{\"id\":" + ROWS + ",\"v\":\"held open\"}");
        assertThat(count(sink, "SELECT count(*) FROM held WHERE id = " + (ROWS + 1) + " AND v = 'inserted while held'"))
                .isOne();
        long regressions = count(sink,
                "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) AS prev"
                        + " FROM held_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev");
        assertThat(regressions).as("row versions written at or below an earlier position").isZero();
    }

    /** Every write to the sink table, with the position it carried. */
    private static void createAudit(String sink) {
        execute(sink,
                "CREATE TABLE held_audit (seq BIGSERIAL PRIMARY KEY, op TEXT NOT NULL, id INT NOT NULL, pos BIGINT)",
                "CREATE FUNCTION held_audit_fn() RETURNS trigger AS $$ BEGIN"
                        + " IF TG_OP = 'DELETE' THEN INSERT INTO held_audit (op, id, pos) VALUES (TG_OP, OLD.id, OLD._tidemark_pos); RETURN OLD; END IF;"
                        + " INSERT INTO held_audit (op, id, pos) VALUES (TG_OP, NEW.id, NEW._tidemark_pos); RETURN NEW;"
                        + " END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER held_audit_trigger AFTER INSERT OR UPDATE OR DELETE ON held"
                        + " FOR EACH ROW EXECUTE FUNCTION held_audit_fn()");
    }
}
