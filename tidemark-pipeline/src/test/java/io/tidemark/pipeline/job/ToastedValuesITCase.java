package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.Rows;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An unchanged TOASTed value reaches the WAL only with {@code REPLICA IDENTITY FULL}; without it
 * Debezium puts a placeholder in its place. The start-up check demands FULL, but the identity can
 * change while the job runs: then the first update without the old row stops the job, for every
 * type PostgreSQL TOASTs, and the sink never gets Debezium's placeholder (text, JSON) or its bytes
 * (bytea) — or the NULL Debezium 1.9 sends for an array or numeric whose placeholder it cannot
 * convert, which nothing downstream could tell from a real NULL.
 */
class ToastedValuesITCase extends PostgresTestBase implements MiniClusterTests {

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "text | RANDOM_TEXT",
        "bytea | RANDOM_BYTES",
        "jsonb | jsonb_build_object('blob', RANDOM_TEXT)",
        "text[] | ARRAY[RANDOM_TEXT, 'b']",
        "numeric | RANDOM_DIGITS::numeric",
    })
    void anUnchangedToastedValueWithoutItsValueStopsTheJob(String type, String value,
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String name = type.replace("[]", "_array");
        String source = createDatabase("src_toast_" + name);
        String sink = createDatabase("sink_toast_" + name);
        String ddl = "CREATE TABLE docs (id BIGINT PRIMARY KEY, title TEXT NOT NULL, body " + type + ")";
        execute(source, ddl, "ALTER TABLE docs REPLICA IDENTITY FULL");
        execute(sink, ddl);
        execute(source, "INSERT INTO docs SELECT g, 'first', " + incompressible(value) + " FROM generate_series(1, 3) g");
        PipelineJob job = PipelineJob.of(pipeline("it-toast-" + name, source, sink, List.of("public.docs"), temp, 1));
        job.prepare();
        JobID jobId = TestJobs.submit(client, job, TestJobs.noRestarts());
        try {
            await().atMost(Duration.ofMinutes(1)).until(() -> rows(sink).equals(rows(source)));
            // the identity changes under the running job; the next update leaves body unchanged
            execute(source, "ALTER TABLE docs REPLICA IDENTITY DEFAULT", "UPDATE docs SET title = 'second' WHERE id = 2");

            assertThat(TestJobs.rootFailure(client, jobId)).matches("table public\\.docs sent an update without its"
                    + " old row, so its replica identity is no longer FULL and values PostgreSQL keeps out of line may"
                    + " be missing from it; run ALTER TABLE public\\.docs REPLICA IDENTITY FULL \\(the update at .+"
                    + " was not applied\\)");
            assertThat(count(sink, "SELECT count(*) FROM docs d WHERE body::text LIKE '%unavailable%'"
                    + " OR encode(convert_to(body::text, 'UTF8'), 'hex') LIKE '%5f5f646562657a69756d%'"))
                    .as("rows holding Debezium's placeholder").isZero();
            assertThat(count(sink, "SELECT count(*) FROM docs WHERE body IS NULL")).as("rows whose value went NULL").isZero();
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /**
     * The value expression with its placeholders filled: values that do not compress (PostgreSQL
     * would keep a compressible one inline instead of TOASTing it out of line).
     */
    private static String incompressible(String value) {
        byte[] bytes = new byte[8_000];
        new Random(7).nextBytes(bytes);
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            hex.append(String.format("%02x", b));
        }
        return value.replace("RANDOM_TEXT", "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400))")
                .replace("RANDOM_BYTES", "decode('" + hex + "', 'hex')")
                .replace("RANDOM_DIGITS",
                        "(SELECT string_agg((random() * 9)::int::text, '') FROM generate_series(1, 20000))");
    }

    private static List<String> rows(String db) throws Exception {
        return Rows.collect(connect(db), "SELECT concat_ws('|', id, title, md5(body::text)) FROM docs ORDER BY id");
    }
}
