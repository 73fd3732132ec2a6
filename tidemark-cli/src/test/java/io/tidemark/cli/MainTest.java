package io.tidemark.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The top-level command line: usage errors, help and version. */
class MainTest {

    @Test
    void withoutASubcommandPrintsUsageAndExitsWithTheUsageCode() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("Usage: tidemark", "config", "run", "demo");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void unknownSubcommandIsOneLine() {
        CliRun run = CliRun.of("bogus");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines().get(0)).startsWith("tidemark: ").endsWith("(see 'tidemark --help')");
    }

    @Test
    void unknownOptionIsOneLineNamingTheSubcommand() {
        CliRun run = CliRun.of("config", "check", "--bogus", "x.yaml");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("tidemark: Unknown option: '--bogus' (see 'tidemark config check --help')");
    }

    @Test
    void invalidOutputFormatIsAUsageError() {
        CliRun run = CliRun.of("config", "check", "--output", "xml", "x.yaml");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines().get(0)).startsWith("tidemark: Invalid value for option '--output'");
    }

    @Test
    void configWithoutSubcommandIsAUsageError() {
        CliRun run = CliRun.of("config");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("tidemark: missing subcommand: check (see 'tidemark config --help')");
    }

    @Test
    void helpListsTheSubcommandsAndExitCodes() {
        CliRun run = CliRun.of("--help");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("config", "run", "demo", "Exit codes: 0 ok");
        assertThat(run.outLines().subList(1, 4)).as("what Tidemark is today").containsExactly(
                "Tidemark: a Flink CDC pipeline from PostgreSQL and MySQL/MariaDB to JDBC",
                "databases and Redis with exactly-once effect, a dead-letter queue for what a",
                "sink rejects, and the tooling around its checkpoints and savepoints.");
    }

    @Test
    void versionIsPrinted() {
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).startsWith("tidemark ");
    }
}
