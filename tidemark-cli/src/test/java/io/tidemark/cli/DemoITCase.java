package io.tidemark.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole demo in this JVM ({@code tidemark demo --quick}): two embedded PostgreSQL servers, an
 * embedded Redis, a local Flink cluster, snapshot, streaming with poison changes, savepoint, restore,
 * dead-letter queue shown, cause fixed, queue replayed, reconciliation of both sinks. Checks what the
 * user checks: exit code 0, the queue held exactly the poison changes and the replay applied them,
 * every table EQUAL in the JDBC sink and in Redis, and nothing left running afterwards.
 */
class DemoITCase {

    @TempDir
    Path workDir;

    @Test
    void quickDemoEndsWithEveryTableEqualAndNothingLeftRunning() throws IOException {
        CliRun run = CliRun.of("demo", "--quick", "--work-dir", workDir.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
        List<String> summary = run.outLines().stream()
                .filter(line -> line.startsWith("  public."))
                .toList();
        assertThat(summary).as(run.toString()).hasSize(4).allSatisfy(line -> assertThat(line).endsWith("EQUAL"));
        assertThat(summary.get(0)).matches("  public\\.customers +jdbc +[0-9,]+ rows .*");
        assertThat(summary.get(1)).matches("  public\\.customers +redis +[0-9,]+ keys .*");
        assertThat(summary.get(2)).matches("  public\\.orders +jdbc +[0-9,]+ rows .*");
        assertThat(summary.get(3)).matches("  public\\.orders +redis +[0-9,]+ keys .*");
        assertThat(run.out()).contains("Flink Web UI: http://127.0.0.1:", "savepoint: file:", "restored from the savepoint")
                .doesNotContain("DIFFERENT");
        assertThat(run.err()).as(run.toString()).isEmpty();

        // the JDBC sink rejected the four poison customers, and only those, once each; the demo showed
        // them, dropped the sink's extra constraint and replayed them: all applied
        assertThat(run.out()).contains(
                "poison: inserted 4 customers (ids [900001, 900002, 900003, 900004])",
                "4 pending entries in _tidemark_dlq:",
                "fixing the cause on the sink: ALTER TABLE public.customers DROP CONSTRAINT credit_limit_cap",
                "replay (as `tidemark dlq replay`): 4 applied, 0 skipped, 0 still rejected, 0 blocked");
        List<String> queued = run.outLines().stream()
                .filter(line -> line.matches(" +[0-9]+ +public\\.customers +[0-9]+ +INSERT .*"))
                .toList();
        assertThat(queued).as(run.toString()).hasSize(4).allSatisfy(line -> assertThat(line)
                .matches(" +[0-9]+ +public\\.customers +90000[1-4] +INSERT +23514 +new row for relation"
                        + " \"customers\" violates check constraint \"credit_limit_cap\""));
        assertThat(queued.stream().map(line -> line.strip().split(" +")[2]))
                .containsExactlyInAnyOrder("900001", "900002", "900003", "900004");

        // the embedded PostgreSQL servers ran with data directories under the work dir, and the Redis
        // server from a binary unpacked there: none is left
        assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().map(c -> c.contains(workDir.toString())).orElse(false))
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("")))
                .isEmpty();
        // the Redis server was a child process of this JVM: none is left, wherever its binary was
        assertThat(ProcessHandle.current().descendants()
                        .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false))
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("")))
                .isEmpty();
        assertThat(workDir.resolve("redis")).doesNotExist();
        // the pipeline file refers to the passwords; password files, checkpoints and savepoints are removed
        String pipelineFile = Files.readString(workDir.resolve("pipeline.yaml"));
        assertThat(pipelineFile).contains("password: ${file:", "type: redis", "routes:");
        assertThat(workDir.resolve("secrets")).doesNotExist();
        assertThat(workDir.resolve("savepoints")).doesNotExist();
    }
}
