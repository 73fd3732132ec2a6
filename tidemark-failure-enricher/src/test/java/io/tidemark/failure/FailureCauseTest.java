package io.tidemark.failure;

import org.apache.flink.util.SerializedThrowable;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** A failure's root cause in one line, from a stack trace's text and from the throwable, and its key. */
class FailureCauseTest {

    private static final String TRACE = """
            org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy
            \tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:180)
            Caused by: java.io.IOException: sink warehouse: flush failed
            \tat io.tidemark.pipeline.sink.jdbc.writer.JdbcChangeWriter.flush(JdbcChangeWriter.java:10)
            \tSuppressed: java.lang.IllegalStateException: closing
            \t\tat io.tidemark.X.close(X.java:1)
            \tCaused by: java.lang.RuntimeException: nested, not the root
            Caused by: org.postgresql.util.PSQLException: ERROR: relation "public.orders" does not exist
              Position: 13
            \tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)
            \t... 12 more
            """;

    @Test
    void theRootCauseIsTheLastUnindentedCausedByWithoutItsPackage() {
        assertThat(FailureCause.ofStackTrace("org.apache.flink.runtime.JobException", TRACE))
                .isEqualTo("PSQLException: ERROR: relation \"public.orders\" does not exist");
    }

    @Test
    void withoutCauseTheFirstLineAndWithoutTraceTheExceptionName() {
        assertThat(FailureCause.ofStackTrace("x.Y", "java.lang.IllegalStateException: boom\n\tat a.b(C.java:1)"))
                .isEqualTo("IllegalStateException: boom");
        assertThat(FailureCause.ofStackTrace("org.apache.flink.util.FlinkException", null)).isEqualTo("FlinkException");
        assertThat(FailureCause.ofStackTrace("x", "Caused by: a message with: a colon but no class"))
                .isEqualTo("a message with: a colon but no class");
    }

    @Test
    void aThrowablesRootCauseIsWhatItsStackTraceSays() {
        Exception root = new SQLException("ERROR: relation \"public.orders\" does not exist\n  Position: 13");
        Exception failure = new RuntimeException("writer failed", new IOException("sink warehouse: flush failed", root));
        failure.addSuppressed(new IllegalStateException("closing", new RuntimeException("nested, not the root")));

        assertThat(FailureCause.of(failure)).isEqualTo("SQLException: ERROR: relation \"public.orders\" does not exist")
                .isEqualTo(FailureCause.ofStackTrace(failure.getClass().getName(), stackTrace(failure)));
        assertThat(FailureCause.of(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    @Test
    void aFailureTheJobManagerCouldNotDeserializeNamesItsOriginalClass() {
        // what a JobManager holds when the user code's exception class is not on its class path
        SerializedThrowable serialized = new SerializedThrowable(
                new RuntimeException("wrapped", new IOException("connection reset by peer")));

        assertThat(FailureCause.of(serialized)).isEqualTo("IOException: connection reset by peer");
    }

    @Test
    void aCycleOfCausesEnds() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);

        assertThat(FailureCause.of(a)).as("printed once, then a [CIRCULAR REFERENCE] line").isEqualTo("Exception: b");
    }

    @Test
    void theKeyWritesEveryDecimalOrHexNumberAsHash() {
        assertThat(FailureCause.key("TimeoutException: timeout after 30000 ms at position 0/1A2B, slot tidemark_orders2"))
                .isEqualTo("TimeoutException: timeout after # ms at position #/#, slot tidemark_orders#");
        assertThat(FailureCause.key("IOException: task 5f1c9e0a failed")).isEqualTo(FailureCause.key("IOException: task 0b2d77 failed"));
        assertThat(FailureCause.key("PSQLException: ERROR: relation \"public.orders\" does not exist"))
                .as("words without digits stay").isEqualTo("PSQLException: ERROR: relation \"public.orders\" does not exist");
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
