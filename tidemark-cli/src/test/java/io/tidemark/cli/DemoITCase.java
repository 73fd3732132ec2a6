package io.tidemark.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole demo in this JVM ({@code tidemark demo --quick}): two embedded PostgreSQL servers, a
 * local Flink cluster, snapshot, streaming, savepoint, restore, reconciliation. Checks what the
 * user checks: exit code 0, every table EQUAL, and nothing left running afterwards.
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
        assertThat(summary).as(run.toString()).hasSize(2).allSatisfy(line -> assertThat(line).endsWith("EQUAL"));
        assertThat(summary.get(0)).startsWith("  public.customers");
        assertThat(summary.get(1)).startsWith("  public.orders");
        assertThat(run.out()).contains("Flink Web UI: http://127.0.0.1:", "savepoint: file:", "restored from the savepoint")
                .doesNotContain("DIFFERENT");
        assertThat(run.err()).as(run.toString()).isEmpty();

        // the embedded PostgreSQL servers ran with data directories under the work dir: none is left
        assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().map(c -> c.contains(workDir.toString())).orElse(false))
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("")))
                .isEmpty();
        // the pipeline file refers to the passwords; password files, checkpoints and savepoints are removed
        String pipelineFile = Files.readString(workDir.resolve("pipeline.yaml"));
        assertThat(pipelineFile).contains("password: ${file:");
        assertThat(workDir.resolve("secrets")).doesNotExist();
        assertThat(workDir.resolve("savepoints")).doesNotExist();
    }
}
