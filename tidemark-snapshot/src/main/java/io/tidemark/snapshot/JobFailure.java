package io.tidemark.snapshot;

import org.apache.flink.runtime.rest.messages.JobExceptionsInfoWithHistory.RootExceptionInfo;

import java.time.Instant;
import java.util.List;

/**
 * One failure of a job as Flink's exception history records it, reduced to what a person reads on
 * a console: the root cause in one line (the deepest {@code Caused by:}, its class without the
 * package, its message's first line) and the task it failed in. {@link #key()} tells two failures
 * with the same cause apart from different ones, whatever numbers (positions, ids, times) the
 * message holds.
 */
public record JobFailure(Instant time, String cause, String task) {

    private static final String CAUSED_BY = "Caused by: ";

    /** A failure of Flink's exception history. */
    public static JobFailure of(RootExceptionInfo entry) {
        String task = entry.getTaskName() == null ? null : entry.getTaskName().replaceFirst(" - execution #\\d+$", "");
        return new JobFailure(Instant.ofEpochMilli(entry.getTimestamp()),
                rootCause(entry.getExceptionName(), entry.getStacktrace()), task);
    }

    /** The cause with every number (decimal or hex) written as {@code #}: the same for failures with the same cause. */
    public String key() {
        return cause.replaceAll("[0-9A-Fa-f]*[0-9][0-9A-Fa-f]*", "#"); // hex too: positions (0/1A2B), ids
    }

    /** The cause, and the task it failed in when Flink names one. */
    public String describe() {
        return cause + (task == null || task.isBlank() ? "" : " [in " + task + "]");
    }

    /**
     * The deepest cause of a stack trace as text: its last unindented {@code Caused by:} line (nested
     * and suppressed causes are indented), else its first line; {@code exceptionName} when the stack
     * trace is empty.
     */
    static String rootCause(String exceptionName, String stackTrace) {
        List<String> lines = stackTrace == null ? List.of() : stackTrace.lines().toList();
        String root = lines.isEmpty() ? String.valueOf(exceptionName) : lines.get(0);
        for (String line : lines) {
            if (line.startsWith(CAUSED_BY)) {
                root = line.substring(CAUSED_BY.length());
            }
        }
        return withoutPackage(root.strip());
    }

    /** {@code org.postgresql.util.PSQLException: ERROR: ...} as {@code PSQLException: ERROR: ...}. */
    private static String withoutPackage(String line) {
        int colon = line.indexOf(": ");
        String name = colon < 0 ? line : line.substring(0, colon);
        if (name.isEmpty() || name.contains(" ") || !name.contains(".")) {
            return line;
        }
        return name.substring(name.lastIndexOf('.') + 1) + (colon < 0 ? "" : line.substring(colon));
    }
}
