package io.tidemark.cli;

import io.tidemark.pipeline.testing.PostgresTestBase;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tidemark run} when the job fails for good: the sink table is dropped while the job runs, so
 * every restart fails the same way. The console says so at the first failure, in one line with the
 * root cause, numbers each failure and counts the same cause; after {@code --max-same-failures} the
 * job is stopped and {@code run} exits 1 with that cause, instead of restarting forever. Meanwhile
 * {@code checkpoint status} shows the same cause, counted, from Flink's exception history.
 */
class RunFailuresITCase extends PostgresTestBase {

    private static final int ROWS = 100;

    @TempDir
    Path temp;

    @Test
    void aDroppedSinkTableStopsTheJobAfterTheConfiguredFailuresWithItsCause() throws Exception {
        String source = createDatabase("runfail_src");
        runDdl(source, "orders");
        execute(source, "INSERT INTO orders SELECT g, 'c' || g, g, 'new', NULL, now(), 1 FROM generate_series(1, "
                + ROWS + ") g");
        String sink = createDatabase("runfail_sink");
        runDdl(sink, "orders");
        Path file = PipelineFile.postgres("runfail", port(), source, "runfail", List.of("public.orders"))
                .jdbcSink("warehouse", jdbcUrl(sink), "postgres", "postgres")
                .route("public.orders", "warehouse")
                .write(temp, "pipeline.yaml");

        CliRun.Running run = CliRun.start("run", file.toString(), "--max-same-failures", "4", "--same-failure-window", "5m");
        await().atMost(Duration.ofMinutes(2)).until(() -> run.isDone() || count(sink, "SELECT count(*) FROM orders") == ROWS);
        assertThat(run.isDone()).as("run ended before the snapshot arrived: %s", run).isFalse();
        execute(sink, "DROP TABLE orders");
        execute(source, "UPDATE orders SET version = version + 1 WHERE id <= 10");
        try {
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> run.out().contains("Job failed (failure 1)") || run.isDone());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no failure on the console within a minute: " + run, e);
        }

        // while it fails, `checkpoint status` says so from the exception history, in the same words
        await().atMost(Duration.ofMinutes(1)).until(() -> run.out().contains("Job failed (failure 2)") || run.isDone());
        String out = run.out();
        String restAddress = out.replaceFirst("(?s).*Flink Web UI: (\\S+).*", "$1");
        String jobId = out.replaceFirst("(?s).*\nJob (\\S+) \\(tidemark-runfail\\) is running.*", "$1");
        CliRun status = CliRun.of("checkpoint", "status", jobId, "--rest-address", restAddress);
        assertThat(status.outLines()).as(status.toString()).filteredOn(l -> l.startsWith("failures:")).singleElement()
                .satisfies(line -> assertThat(line).matches("failures: +[234] recorded; last at \\S+Z: PSQLException: ERROR:"
                        + " relation \"public.orders\" does not exist \\[in .*sink warehouse: Writer \\(1/1\\)\\]"
                        + " \\(the same cause [234] times in a row\\)"));

        CliRun result = run.await(Duration.ofMinutes(2));

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.FAILURE);
        List<String> failures = result.outLines().stream().filter(l -> l.startsWith("Job failed")).toList();
        assertThat(failures).as(result.toString()).hasSize(4);
        assertThat(failures.get(0)).as("the first failure, in one line with its root cause")
                .startsWith("Job failed (failure 1), Flink restarts it: ")
                .contains("PSQLException: ERROR: relation \"public.orders\" does not exist [in Source: postgres-source")
                .endsWith("sink warehouse: Writer (1/1)]");
        assertThat(failures.get(1)).startsWith("Job failed (failure 2)").endsWith("(same cause 2 times in a row)");
        assertThat(failures.get(3)).startsWith("Job failed (failure 4)").endsWith("(same cause 4 times in a row)");
        String cause = failures.get(0).substring("Job failed (failure 1), Flink restarts it: ".length())
                .replaceFirst(" \\[in .*$", "");
        assertThat(result.errLines()).as(result.toString()).containsExactly("tidemark: the job failed 4 times in a row"
                + " within 300s with the same cause, so it was stopped: " + cause
                + "; fix the cause and run again (--max-same-failures 0 keeps restarting)");
        assertThat(count(sink, "SELECT count(*) FROM _tidemark_dlq"))
                .as("no change went to the dead-letter queue for a table that is gone (before: all of them did)").isZero();
    }
}
