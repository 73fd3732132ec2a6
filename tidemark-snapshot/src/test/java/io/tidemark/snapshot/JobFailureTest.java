package io.tidemark.snapshot;

import org.apache.flink.runtime.rest.messages.JobExceptionsInfoWithHistory.RootExceptionInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure's one line, read from the stack trace Flink's exception history holds (the root cause
 * itself: FailureCauseTest in tidemark-failure-enricher), and streaks of the same cause.
 */
class JobFailureTest {

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
    void readFromTheExceptionHistoryWithoutTheExecutionNumber() {
        RootExceptionInfo entry = new RootExceptionInfo("org.apache.flink.runtime.JobException", TRACE, 1_000L, Map.of(),
                "Source: pg -> sink warehouse: Writer (1/1) - execution #3", null, null, null, List.of());

        JobFailure failure = JobFailure.of(entry);

        assertThat(failure.time()).isEqualTo(Instant.ofEpochMilli(1_000));
        assertThat(failure.describe()).isEqualTo(
                "PSQLException: ERROR: relation \"public.orders\" does not exist [in Source: pg -> sink warehouse: Writer (1/1)]");
    }

    @Test
    void aStreakCountsTheSameCauseWithinTheWindowAndRestartsOnAnotherCause() {
        FailureStreak streak = new FailureStreak(Duration.ofMinutes(1));

        assertThat(streak.add(failure(0, "timeout after 30000 ms at position 0/1A2B"))).isEqualTo(1);
        assertThat(streak.add(failure(10, "timeout after 30001 ms at position 0/1C00"))).as("numbers differ only").isEqualTo(2);
        assertThat(streak.add(failure(20, "connection refused"))).as("another cause").isEqualTo(1);
        assertThat(streak.add(failure(30, "connection refused"))).isEqualTo(2);
        assertThat(streak.add(failure(100, "connection refused"))).as("the first two are older than the window").isEqualTo(1);
    }

    private static JobFailure failure(long second, String cause) {
        return new JobFailure(Instant.ofEpochSecond(second), cause, "task");
    }
}
