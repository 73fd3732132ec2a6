package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Every PostgreSQL column type the issue names survives the trip through the pipeline unchanged,
 * in the snapshot and in the stream, with NULLs, non-ASCII text and a composite primary key; and a
 * table without a primary key is refused at startup with one clear line.
 */
class ColumnTypesITCase extends PostgresTestBase {

    private static final String COLUMNS = "tenant, id, big, amount, ratio, score, title, code, active, born,"
            + " local_ts, zoned_ts, uid, doc, blob, tags, nums";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    Path temp;

    @Test
    void everyColumnTypeRoundTripsInSnapshotAndStream(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_types");
        String sink = createDatabase("sink_types");
        runDdl(source, "all-types");
        runDdl(sink, "all-types");
        execute(source,
                "INSERT INTO all_types VALUES (1, 1, 9223372036854775807, 1234567890123456789012345678.0123456789,"
                        + " 3.25, 2.718281828459045, 'Grüße aus Köln — 東京 🚀', 'äöü', true, '2024-02-29',"
                        + " '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.654321+02',"
                        + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, \"zwei\", null], \"ü\": true}',"
                        + " '\\xdeadbeef00ff', ARRAY['a', 'b c', 'ß'], ARRAY[1, -2, 3])",
                "INSERT INTO all_types (tenant, id) VALUES (1, 2)", // every other column NULL
                "INSERT INTO all_types VALUES (-32768, -2147483648, -9223372036854775808, -0.0000000001, -1.5e-30,"
                        + " 1e308, '', '', false, '0001-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',"
                        + " '00000000-0000-0000-0000-000000000000', '[]', '\\x', ARRAY[]::text[], ARRAY[NULL, 7]::int[])");

        PipelineDef def = pipeline("it-types", source, sink, List.of("public.all_types"), temp, 1);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID jobId = client.submitJob(job.jobGraph(new Configuration(), SavepointRestoreSettings.none()))
                .get(1, TimeUnit.MINUTES);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> count(sink, "SELECT count(*) FROM all_types") == 3);

            execute(source,
                    "INSERT INTO all_types VALUES (2, 1, 42, 0.5, 1.0, 2.0, 'streamed ✓ 東京 🚀', 'x', true, '2000-01-01',"
                            + " '2000-01-01 12:00:00.000001', '2000-01-01 12:00:00.999999-05',"
                            + " 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '{\"nested\": {\"a\": 1}}', '\\x00',"
                            + " ARRAY['x'], ARRAY[1])",
                    "UPDATE all_types SET title = 'geändert', doc = '{\"v\": 2}', tags = ARRAY['neu'], amount = 99.99"
                            + " WHERE tenant = 1 AND id = 1",
                    "UPDATE all_types SET title = 'no longer null', blob = '\\x0102' WHERE tenant = 1 AND id = 2",
                    "DELETE FROM all_types WHERE tenant = -32768");

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
                    rows(source, "all_types", COLUMNS, "tenant, id")
                            .equals(rows(sink, "all_types", COLUMNS, "tenant, id")));
            List<String> expected = rows(source, "all_types", COLUMNS, "tenant, id");
            assertThat(rows(sink, "all_types", COLUMNS, "tenant, id")).containsExactlyElementsOf(expected);
            assertThat(expected).hasSize(3);
            assertThat(String.join("\n", expected)).contains("geändert", "東京", "🚀", "\\\\x0102");
        } finally {
            if (client.getJobStatus(jobId).get() == JobStatus.RUNNING) {
                TestJobs.cancel(client, jobId); // and wait until it has ended, before the next test's job starts
            }
        }
    }

    @Test
    void tableWithoutPrimaryKeyIsRefusedAtStartup() {
        String source = createDatabase("src_nopk");
        String sink = createDatabase("sink_nopk");
        execute(source, "CREATE TABLE events (at TIMESTAMPTZ, what INT)");
        execute(sink, "CREATE TABLE events (at TIMESTAMPTZ, what INT)");

        PipelineJob job = PipelineJob.of(pipeline("it-nopk", source, sink, List.of("public.events"), temp, 1));

        assertThatThrownBy(job::prepare)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source.tables: table public.events has no primary key; Tidemark needs one to apply"
                        + " changes exactly once: add a primary key or remove the table from source.tables");
    }

    @Test
    void missingSinkTableIsRefusedAtStartup() {
        String source = createDatabase("src_nosink");
        String sink = createDatabase("sink_nosink");
        runDdl(source, "all-types");

        PipelineJob job = PipelineJob.of(pipeline("it-nosink", source, sink, List.of("public.all_types"), temp, 1));

        assertThatThrownBy(job::prepare)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("sinks.warehouse: table public.all_types does not exist; create it with the columns"
                        + " and primary key of source table public.all_types");
    }
}
