package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.util.SerializedThrowable;
import org.apache.flink.util.concurrent.FutureUtils;

import org.apache.flink.shaded.netty4.io.netty.handler.codec.http.HttpResponseStatus;

import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link FlinkFailures} reads Flink's failures, on texts and exception chains as Flink 1.20
 * produces them (the error response below is the one {@code /jars/:id/run} sends for a missing
 * entry class). {@link RestSnapshotServiceITCase} covers the same against a running cluster.
 */
class FlinkFailuresTest {

    private static final String INTERNAL_ERROR = """
            [Internal server error., <Exception on server side:
            java.util.concurrent.CompletionException: org.apache.flink.client.program.ProgramInvocationException: \
            The program's entry point class 'io.tidemark.NoSuchJob' was not found in the jar file.
            \tat org.apache.flink.runtime.webmonitor.handlers.utils.JarHandlerUtils$JarHandlerContext.toPackagedProgram(JarHandlerUtils.java:188)
            \tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.handleRequest(JarRunHandler.java:100)
            Caused by: org.apache.flink.client.program.ProgramInvocationException: \
            The program's entry point class 'io.tidemark.NoSuchJob' was not found in the jar file.
            \t... 2 more
            Caused by: java.lang.ClassNotFoundException: io.tidemark.NoSuchJob
            \tat java.base/java.net.URLClassLoader.findClass(URLClassLoader.java:445)

            End of exception on server side>]""";

    @Test
    void anUnexpectedServerErrorIsReadFromItsInnermostCause() {
        RestClientException error = new RestClientException(INTERNAL_ERROR, HttpResponseStatus.INTERNAL_SERVER_ERROR);

        assertThat(FlinkFailures.serverMessage(error)).isEqualTo("ClassNotFoundException: io.tidemark.NoSuchJob");
    }

    @Test
    void anExpectedServerErrorIsItsMessage() {
        RestClientException error = new RestClientException(
                "[Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided.]",
                HttpResponseStatus.BAD_REQUEST);

        assertThat(FlinkFailures.serverMessage(error))
                .isEqualTo("Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided.");
    }

    @Test
    void aRefusedConnectionBehindRetriesIsAConnectionProblem() {
        ConnectException refused = new ConnectException("Connection refused: localhost/127.0.0.1:8081");
        Throwable error = new CompletionException(new FutureUtils.RetryException(
                "Could not complete the operation. Number of retries has been exhausted.", refused));

        assertThat(FlinkFailures.connectionProblem(FlinkFailures.unwrap(error))).containsSame(refused);
        assertThat(FlinkFailures.connectionReason(refused)).isEqualTo("Connection refused: localhost/127.0.0.1:8081");
        assertThat(FlinkFailures.connectionReason(new UnknownHostException("flink.invalid"))).isEqualTo("unknown host flink.invalid");
    }

    @Test
    void anErrorResponseIsNoConnectionProblem() {
        RestClientException error = new RestClientException("[Not found: /jars/upload]", HttpResponseStatus.NOT_FOUND);

        assertThat(FlinkFailures.connectionProblem(new CompletionException(error))).isEmpty();
        assertThat(FlinkFailures.restError(new CompletionException(error))).containsSame(error);
    }

    @Test
    void stateOfAMissingOperatorIsIncompatibleStateWithFlinksReasonAndOurAdvice() {
        SerializedThrowable error = new SerializedThrowable(new RuntimeException("Could not start the JobMaster.",
                new IllegalStateException("Failed to rollback to checkpoint/savepoint file:/sp/savepoint-1. Cannot map"
                        + " checkpoint/savepoint state for operator 7a0c to the new program, because the operator is not"
                        + " available in the new program. If you want to allow to skip this, you can set the"
                        + " --allowNonRestoredState option on the CLI.")));

        SnapshotException problem = FlinkFailures.snapshotProblem(error, "job j cannot start from file:/sp/savepoint-1").orElseThrow();

        assertThat(problem.reason()).isEqualTo(Reason.INCOMPATIBLE_STATE);
        assertThat(problem.getMessage()).isEqualTo("job j cannot start from file:/sp/savepoint-1: Cannot map checkpoint/savepoint"
                + " state for operator 7a0c to the new program, because the operator is not available in the new program."
                + " Give the operator its old uid back, or allow non-restored state if dropping its state is intended");
    }

    @Test
    void snapshotProblemsAreToldApartBySentencesFlinksCheckpointLoadingUses() {
        assertThat(reason(new FileNotFoundException(
                "Cannot find checkpoint or savepoint file/directory 'file:/sp/x' on file system 'file'.")))
                .isEqualTo(Reason.SNAPSHOT_NOT_FOUND);
        assertThat(reason(new FileNotFoundException("Cannot find meta data file '_metadata' in directory 'file:/sp/x'."
                + " Please try to load the checkpoint/savepoint directly from the metadata file instead of the directory.")))
                .isEqualTo(Reason.NOT_A_SNAPSHOT);
        assertThat(reason(new IOException("Unexpected magic number. This can have multiple reasons: (1) ...")))
                .isEqualTo(Reason.CORRUPT_SNAPSHOT);
        assertThat(FlinkFailures.snapshotProblem(new SerializedThrowable(new IOException("disk full")), "x")).isEmpty();
    }

    @Test
    void theRootCauseOfASerializedChainIsItsInnermostClassAndFirstLine() {
        SerializedThrowable error = new SerializedThrowable(new RuntimeException("outer",
                new FileNotFoundException("first line\nsecond line")));

        assertThat(FlinkFailures.rootCause(error)).isEqualTo("FileNotFoundException: first line");
    }

    private static Reason reason(Exception flinkError) {
        return FlinkFailures.snapshotProblem(new SerializedThrowable(new RuntimeException(flinkError)), "x").orElseThrow().reason();
    }
}
