package io.tidemark.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tidemark config check}: the exact lines a user sees, the exit codes, and no secret in any output. */
class ConfigCheckCommandTest {

    private static final String PASSWORD = "s3cr3t-literal-pw";

    private static final String VALID = """
            pipeline:
              name: orders
            source:
              type: postgres
              hostname: db.internal
              port: 5432
              database: shop
              username: tidemark
              password: %s
              tables:
                - public.orders
                - public.customers
            sinks:
              - name: warehouse
                type: jdbc
                url: jdbc:postgresql://warehouse.internal:5432/warehouse
                username: tidemark
                password: ${env:WAREHOUSE_PASSWORD}
            """.formatted(PASSWORD);

    @TempDir
    Path dir;

    private Path valid;

    @BeforeEach
    void writeValidFile() throws IOException {
        valid = write("valid.yaml", VALID);
    }

    @Test
    void validFileIsOkWithItsTablesAndSinks() {
        CliRun run = CliRun.of("config", "check", valid.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
        assertThat(run.outLines()).containsExactly(valid + ": ok (2 tables, 1 sink)");
        assertThat(run.err()).isEmpty();
        assertNoSecret(run);
    }

    @Test
    void portOutOfRangeIsOneLineAndBadConfiguration() throws IOException {
        Path file = write("port.yaml", VALID.replace("port: 5432", "port: 70000"));

        CliRun run = CliRun.of("config", "check", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.errLines()).containsExactly("tidemark: source.port: expected 1..65535, got 70000");
        assertThat(run.out()).isEmpty();
        assertNoSecret(run);
    }

    @Test
    void unknownKeyGetsASuggestion() throws IOException {
        Path file = write("unknown.yaml", VALID.replace("  hostname: db.internal", "  hostnmae: db.internal"));

        CliRun run = CliRun.of("config", "check", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.errLines())
                .containsExactly("tidemark: source.hostnmae: unknown key; did you mean source.hostname?");
        assertNoSecret(run);
    }

    @Test
    void everyProblemIsReportedOnALineOfItsOwn() throws IOException {
        Path file = write("two.yaml", VALID.replace("port: 5432", "port: 70000").replace("name: orders", "name: Orders!"));

        CliRun run = CliRun.of("config", "check", file.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.errLines()).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("tidemark: "));
        assertThat(run.errLines()).contains("tidemark: source.port: expected 1..65535, got 70000");
        assertNoSecret(run);
    }

    @Test
    void missingFileIsBadConfiguration() {
        Path missing = dir.resolve("missing.yaml");

        CliRun run = CliRun.of("config", "check", missing.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.errLines()).containsExactly("tidemark: " + missing + ": no such file");
    }

    @Test
    void jsonOutputHasTheProblemsAndNothingOnStderr() throws IOException {
        Path file = write("port.yaml", VALID.replace("port: 5432", "port: 70000"));

        CliRun run = CliRun.of("config", "check", "--output", "json", file.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.outLines()).containsExactly("{\"file\":\"" + file + "\",\"valid\":false,"
                + "\"problems\":[\"source.port: expected 1..65535, got 70000\"]}");
        assertThat(run.err()).isEmpty();
        assertNoSecret(run);
    }

    @Test
    void jsonOutputForAValidFile() {
        CliRun run = CliRun.of("config", "check", "--output=JSON", valid.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.outLines()).containsExactly("{\"file\":\"" + valid + "\",\"valid\":true,\"problems\":[]}");
    }

    @Test
    void missingFileParameterIsAUsageError() {
        CliRun run = CliRun.of("config", "check");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines())
                .containsExactly("tidemark: Missing required parameter: 'FILE' (see 'tidemark config check --help')");
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Path file = write("port.yaml", VALID.replace("port: 5432", "port: 70000"));

        CliRun run = CliRun.of("config", "check", "--verbose", file.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_CONFIGURATION);
        assertThat(run.errLines().get(0)).isEqualTo("tidemark: source.port: expected 1..65535, got 70000");
        assertThat(run.err()).contains("io.tidemark.pipeline.config.ConfigException", "\tat ");
        assertNoSecret(run);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void assertNoSecret(CliRun run) {
        assertThat(run.out()).doesNotContain(PASSWORD);
        assertThat(run.err()).doesNotContain(PASSWORD);
    }
}
