package io.tidemark.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tidemark run}: what is refused before anything starts. */
class RunCommandTest {

    @TempDir
    Path dir;

    @Test
    void invalidFileIsBadConfiguration() throws IOException {
        Path file = Files.writeString(dir.resolve("p.yaml"), "pipeline:\n  name: x\n");

        CliRun run = CliRun.of("run", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.errLines()).contains("tidemark: source: required", "tidemark: sinks: required");
    }

    @Test
    void missingSavepointIsNotFound() throws IOException {
        Path file = Files.writeString(dir.resolve("p.yaml"), """
                pipeline:
                  name: x
                source:
                  type: postgres
                  hostname: 127.0.0.1
                  database: shop
                  username: tidemark
                  password: ${env:SOURCE_PASSWORD}
                  tables: [public.orders]
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: jdbc:postgresql://127.0.0.1:5432/warehouse
                    username: tidemark
                    password: ${env:SINK_PASSWORD}
                """);
        Path savepoint = dir.resolve("savepoint-123");

        CliRun run = CliRun.of("run", file.toString(), "--from-savepoint", savepoint.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.errLines()).containsExactly("tidemark: savepoint " + savepoint + " does not exist");
    }
}
