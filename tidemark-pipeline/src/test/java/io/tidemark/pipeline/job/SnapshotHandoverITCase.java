package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The snapshot → stream handover with a transaction that changes a row of a chunk before the
 * chunk's high watermark and commits after it (issue 13 item 4): the change is neither in the
 * chunk (the backfill reads only what committed before the high watermark) nor emitted by the
 * stream (Flink CDC drops stream records whose change LSN lies below the chunk's high watermark),
 * and the sink's guard would refuse it anyway. Expected to fail until positions are ordered by commit.
 */
class SnapshotHandoverITCase extends PostgresTestBase {

    private static final int ROWS = 200_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    Path temp;

    @Test
    void aTransactionOpenAcrossAChunksHighWatermarkIsNotLost(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_handover");
        String sink = createDatabase("sink_handover");
        for (String db : List.of(source, sink)) {
            execute(db, "CREATE TABLE held (id INT PRIMARY KEY, v TEXT NOT NULL, pad TEXT NOT NULL)");
        }
        execute(source, "ALTER TABLE held REPLICA IDENTITY FULL",
                "INSERT INTO held SELECT g, 'initial', repeat('x', 200) FROM generate_series(1, " + ROWS + ") g");

        PipelineDef base = pipeline("it-handover", source, sink, List.of("public.held"), temp, 1);
        PostgresSourceDef s = (PostgresSourceDef) base.source();
        PostgresSourceDef oneChunk = new PostgresSourceDef(s.hostname(), s.port(), s.database(), s.username(),
                s.password(), s.tables(), s.slotName(), s.publicationName(), ROWS * 2, s.startupMode());
        PipelineDef def = new PipelineDef(base.name(), 1, oneChunk, base.sinks(), base.routes(), base.checkpointing());
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        String backfillSlot = s.slotName() + "_0";

        try (Connection held = connect(source)) {
            held.setAutoCommit(false);
            JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
            try {
                // the chunk's backfill slot exists from before its low watermark until its backfill ends
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(2))
                        .until(() -> count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                                + backfillSlot + "'") == 1);
                held.createStatement().execute("UPDATE held SET v = 'held open' WHERE id = " + ROWS);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                        .until(() -> count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                                + backfillSlot + "'") == 0);
                held.commit();

                execute(source, "UPDATE held SET v = 'after' WHERE id = 1");
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    TestJobs.requireNotFailed(client, jobId);
                    assertThat(count(sink, "SELECT count(*) FROM held WHERE id = 1 AND v = 'after'")).isOne();
                });
                assertThat(rows(sink, "held", "id, v", "id").get(ROWS - 1))
                        .as("the change committed after the chunk's high watermark")
                        .isEqualTo("{\"id\":" + ROWS + ",\"v\":\"held open\"}");
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }
}
