package io.tidemark.snapshot;

import io.tidemark.failure.FailureCause;

import org.apache.flink.runtime.rest.messages.JobExceptionsInfoWithHistory.RootExceptionInfo;

import java.time.Instant;

/**
 * One failure of a job as Flink's exception history records it, reduced to what a person reads on
 * a console: the root cause in one line (the deepest {@code Caused by:}, its class without the
 * package, its message's first line) and the task it failed in. {@link #key()} tells two failures
 * with the same cause apart from different ones, whatever numbers (positions, ids, times) the
 * message holds. Both as {@link FailureCause} defines them, which the JobManager's failure enricher
 * also labels failures and counts them with, so the console, {@code checkpoint status} and the
 * metrics agree.
 */
public record JobFailure(Instant time, String cause, String task) {

    /** A failure of Flink's exception history. */
    public static JobFailure of(RootExceptionInfo entry) {
        String task = entry.getTaskName() == null ? null : entry.getTaskName().replaceFirst(" - execution #\\d+$", "");
        return new JobFailure(Instant.ofEpochMilli(entry.getTimestamp()),
                FailureCause.ofStackTrace(entry.getExceptionName(), entry.getStacktrace()), task);
    }

    /** The cause with every number (decimal or hex) written as {@code #}: the same for failures with the same cause. */
    public String key() {
        return FailureCause.key(cause);
    }

    /** The cause, and the task it failed in when Flink names one. */
    public String describe() {
        return cause + (task == null || task.isBlank() ? "" : " [in " + task + "]");
    }
}
