package io.tidemark.cli;

import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tidemark checkpoint status --watch} given bad input or no cluster, as a user types it: one
 * line on stderr, the exit code of that kind of failure, nothing on stdout. (The watch of a running
 * job is in {@code SnapshotLifecycleITCase}.)
 */
class CheckpointWatchCommandTest {

    private static final String JOB = new JobID().toString();

    @Test
    void anIntervalWithoutWatchOrAnEmptyOneIsAUsageError() {
        CliRun withoutWatch = CliRun.of("checkpoint", "status", JOB, "--rest-address", "http://127.0.0.1:1", "--interval", "1s");
        assertThat(withoutWatch.exitCode()).as(withoutWatch.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(withoutWatch.errLines()).containsExactly("tidemark: --interval and --iterations go with --watch"
                + " (see 'tidemark checkpoint status --help')");
        assertThat(withoutWatch.out()).isEmpty();

        CliRun empty = CliRun.of("checkpoint", "status", JOB, "--rest-address", "http://127.0.0.1:1", "--watch", "--interval", "0s");
        assertThat(empty.exitCode()).as(empty.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(empty.errLines()).singleElement().asString().startsWith("tidemark: --interval must be longer than 0");

        CliRun notADuration = CliRun.of("checkpoint", "status", JOB, "--rest-address", "http://127.0.0.1:1", "--watch",
                "--interval", "often");
        assertThat(notADuration.exitCode()).as(notADuration.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(notADuration.errLines()).singleElement().asString().contains("'often' is not a duration");

        CliRun negative = CliRun.of("checkpoint", "status", JOB, "--rest-address", "http://127.0.0.1:1", "--watch",
                "--iterations", "-1");
        assertThat(negative.exitCode()).as(negative.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(negative.errLines()).singleElement().asString().startsWith("tidemark: --iterations must be 0");
    }

    @Test
    void anUnreachableClusterEndsTheWatchWithOneLineAndItsExitCode() throws IOException {
        String address = "http://127.0.0.1:" + closedPort();

        for (String output : new String[] {"text", "json"}) {
            CliRun run = CliRun.of("checkpoint", "status", JOB, "--rest-address", address, "--watch", "--output", output);

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(run.errLines()).as(run.toString()).singleElement().asString()
                    .startsWith("tidemark: cannot reach Flink's REST API at " + address);
            assertThat(run.out()).isEmpty();
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
