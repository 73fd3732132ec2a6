package io.tidemark.cli;

import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The savepoint, checkpoint and restore commands given bad input, as a user types it: one line on
 * stderr naming the option, path or address and what would fix it, the exit code of that kind of
 * failure, nothing on stdout and nothing deleted. (The commands against a running cluster are in
 * {@code SnapshotLifecycleITCase}.)
 */
class SnapshotCommandsTest {

    private static final String JOB = new JobID().toString();

    @TempDir
    Path dir;

    @Test
    void aCommandThatNeedsTheClusterWithoutARestAddressIsAUsageError() {
        CliRun run = CliRun.of("savepoint", "trigger", JOB);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("tidemark: missing --rest-address URL (or set TIDEMARK_REST_ADDRESS),"
                + " e.g. http://localhost:8081 (see 'tidemark savepoint trigger --help')");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aJobIdThatIsNotOneAndADurationThatIsNotOneAreUsageErrors() {
        CliRun badJob = CliRun.of("checkpoint", "status", "not-a-job", "--rest-address", "http://127.0.0.1:1");
        assertThat(badJob.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badJob.errLines()).singleElement().asString()
                .startsWith("tidemark: JOB_ID: 'not-a-job' is not a Flink job id (32 hex digits");

        CliRun badTimeout = CliRun.of("savepoint", "trigger", JOB, "--rest-address", "http://127.0.0.1:1", "--timeout", "soon");
        assertThat(badTimeout.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badTimeout.errLines()).singleElement().asString().contains("'soon' is not a duration");

        CliRun badAddress = CliRun.of("savepoint", "trigger", JOB, "--rest-address", "ftp://host");
        assertThat(badAddress.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badAddress.errLines()).singleElement().asString()
                .startsWith("tidemark: --rest-address: 'ftp://host' is not a URL like http://host:8081");
    }

    @Test
    void anUnreachableClusterIsOneLineAndItsOwnExitCode() throws IOException {
        String address = "http://127.0.0.1:" + closedPort();
        for (String[] args : new String[][] {
            {"savepoint", "trigger", JOB, "--rest-address", address, "--savepoint-dir", dir.toUri().toString()},
            {"savepoint", "stop", JOB, "--rest-address", address, "--target-dir", dir.toUri().toString()},
            {"checkpoint", "status", JOB, "--rest-address", address},
            {"checkpoint", "trigger", JOB, "--rest-address", address},
        }) {
            CliRun run = CliRun.of(args);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(run.errLines()).as(run.toString()).singleElement().asString()
                    .startsWith("tidemark: cannot reach Flink's REST API at " + address);
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void cleanupNeedsARuleAndEitherTheClusterOrOffline() {
        CliRun noRule = CliRun.of("savepoint", "cleanup", "--savepoint-dir", dir.toUri().toString(), "--offline");
        assertThat(noRule.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noRule.errLines()).singleElement().asString()
                .startsWith("tidemark: give --keep-last N, --max-age DURATION or both")
                .endsWith("or --incomplete (abandoned snapshots only) (see 'tidemark savepoint cleanup --help')");

        CliRun noCluster = CliRun.of("savepoint", "cleanup", "--savepoint-dir", dir.toUri().toString(), "--keep-last", "1");
        assertThat(noCluster.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noCluster.errLines()).singleElement().asString()
                .contains("to learn which snapshots running jobs use; --offline if no job runs");

        CliRun negative = CliRun.of("savepoint", "cleanup", "--savepoint-dir", dir.toUri().toString(), "--keep-last", "-1",
                "--offline");
        assertThat(negative.exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void cleanupIncompleteDeletesOnlyAbandonedSnapshotsAndSaysWhyEachWasIncomplete() throws Exception {
        Path savepoints = Files.createDirectories(dir.resolve("savepoints"));
        Path good = Files.createDirectories(savepoints.resolve("savepoint-aaaaaa-000000000001"));
        try (var out = Files.newOutputStream(good.resolve("_metadata"))) {
            org.apache.flink.runtime.checkpoint.Checkpoints.storeCheckpointMetadata(
                    new org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata(7, List.of(), List.of()), out);
        }
        Path abandoned = Files.createDirectories(savepoints.resolve("savepoint-aaaaaa-000000000002"));
        Files.writeString(abandoned.resolve("op-state"), "partial");
        Path corrupt = Files.createDirectories(savepoints.resolve("savepoint-aaaaaa-000000000003"));
        Files.write(corrupt.resolve("_metadata"), new byte[] {1, 2, 3});
        Path beingWritten = Files.createDirectories(savepoints.resolve("savepoint-aaaaaa-000000000004"));
        Files.writeString(beingWritten.resolve("op-state"), "partial");
        java.nio.file.attribute.FileTime twoDaysAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofDays(2)));
        for (Path file : List.of(good.resolve("_metadata"), abandoned.resolve("op-state"), corrupt.resolve("_metadata"))) {
            Files.setLastModifiedTime(file, twoDaysAgo);
        }

        CliRun both = CliRun.of("savepoint", "cleanup", "--savepoint-dir", savepoints.toString(), "--incomplete",
                "--keep-last", "1", "--offline");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.errLines()).singleElement().asString().startsWith(
                "tidemark: --incomplete keeps every complete snapshot: give it without --keep-last and --max-age");

        CliRun run = CliRun.of("savepoint", "cleanup", "--savepoint-dir", savepoints.toString(), "--incomplete", "--offline");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String root = savepoints.toUri().toString().replaceFirst("/$", "").replace("file:///", "file:/");
        assertThat(run.outLines()).as(run.toString()).containsExactly(
                "keep    " + root + "/savepoint-aaaaaa-000000000004 (incomplete but may still be being written)",
                "keep    " + root + "/savepoint-aaaaaa-000000000001 (newest complete snapshot, complete: --incomplete"
                        + " keeps every complete snapshot)",
                "deleted " + root + "/savepoint-aaaaaa-000000000003 (3 B; incomplete: " + problemOf(run, "000000000003") + ")",
                "deleted " + root + "/savepoint-aaaaaa-000000000002 (7 B; incomplete: no _metadata: still being written, or abandoned)",
                "freed 10 B in 2 snapshot(s); kept 2");
        assertThat(good).exists();
        assertThat(beingWritten).exists();
        assertThat(abandoned).doesNotExist();
        assertThat(corrupt).doesNotExist();
    }

    /** The problem the run reported for a snapshot (Flink's own sentence for a corrupt _metadata). */
    private static String problemOf(CliRun run, String suffix) {
        return run.outLines().stream().filter(l -> l.contains(suffix + " (")).findFirst()
                .map(l -> l.replaceFirst(".*; incomplete: (.*)\\)$", "$1")).orElse("?");
    }

    @Test
    void listingWithoutDirectoriesIsAUsageErrorAndAnEmptyDirectoryListsNothing() {
        CliRun noDirs = CliRun.of("savepoint", "list");
        assertThat(noDirs.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noDirs.errLines()).singleElement().asString().startsWith("tidemark: missing --savepoint-dir DIR or"
                + " --config FILE (or set TIDEMARK_PIPELINE)");

        CliRun empty = CliRun.of("savepoint", "list", "--savepoint-dir", dir.resolve("savepoints").toString(),
                "--checkpoint-dir", dir.resolve("checkpoints").toString());
        assertThat(empty.exitCode()).as(empty.toString()).isZero();
        assertThat(empty.outLines()).containsExactly("no snapshots");

        CliRun json = CliRun.of("checkpoint", "list", "--checkpoint-dir", dir.toString(), "--output", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        assertThat(json.out()).contains("\"snapshots\":[]");
    }

    @Test
    void disposeAndRestoreRefuseWhatIsNotASnapshotAndDeleteNothing() throws IOException {
        Path notSnapshot = Files.createDirectories(dir.resolve("savepoint-abcdef-000000000000"));
        Files.writeString(notSnapshot.resolve("data"), "state");
        Path corrupt = Files.createDirectories(dir.resolve("savepoint-abcdef-111111111111"));
        Files.write(corrupt.resolve("_metadata"), new byte[] {1, 2, 3});

        CliRun dispose = CliRun.of("savepoint", "dispose", notSnapshot.toString());
        assertThat(dispose.exitCode()).as(dispose.toString()).isEqualTo(ExitCodes.NOT_A_SNAPSHOT);
        assertThat(dispose.errLines()).singleElement().asString().startsWith("tidemark: ").contains(notSnapshot.getFileName().toString());
        assertThat(notSnapshot.resolve("data")).exists();

        Path pipeline = Files.writeString(dir.resolve("pipeline.yaml"), "pipeline: {name: x}\n");
        CliRun corrupted = CliRun.of("restore", corrupt.toString(), "--config", pipeline.toString());
        assertThat(corrupted.exitCode()).as(corrupted.toString()).isEqualTo(ExitCodes.BAD_CONFIGURATION);

        CliRun noConfig = CliRun.of("restore", corrupt.toString());
        assertThat(noConfig.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noConfig.errLines()).singleElement().asString()
                .startsWith("tidemark: missing --config FILE (or set TIDEMARK_PIPELINE): the pipeline to restore");

        CliRun missing = CliRun.of("savepoint", "dispose", dir.resolve("gone").toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(corrupt.resolve("_metadata")).exists();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
