package io.tidemark.failure;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * A job failure's root cause in one line, as a person reads it on a console: the deepest cause, its
 * class without the package, the first line of its message ({@code PSQLException: ERROR: relation
 * "public.orders" does not exist}). {@link #key(String)} makes two failures with the same cause equal
 * whatever numbers (positions, ids, times) their messages hold.
 *
 * <p>One definition for every place that tells failures apart: the CLI reads failures as text from
 * Flink's exception history, the failure enricher gets them as {@link Throwable}s on the JobManager,
 * and both must agree. Plain Java only: the enricher runs in a plugin class loader.
 */
public final class FailureCause {

    private static final String CAUSED_BY = "Caused by: ";

    private FailureCause() {}

    /**
     * The root cause of {@code failure}, read from its stack trace as Flink's exception history stores
     * it ({@code ExceptionUtils.stringifyException} prints it the same way): what the CLI reads there
     * and what the enricher is given cannot come out differently. A {@code SerializedThrowable} (a
     * failure the JobManager could not deserialize) prints the original's stack trace, too.
     */
    public static String of(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return ofStackTrace(failure.getClass().getName(), trace.toString());
    }

    /**
     * The root cause of a stack trace as text: its last unindented {@code Caused by:} line (nested
     * and suppressed causes are indented; a cause that is one of its own causes ends the chain where
     * Java prints {@code [CIRCULAR REFERENCE: ...]}), else its first line; {@code exceptionName} when
     * the stack trace is empty.
     */
    public static String ofStackTrace(String exceptionName, String stackTrace) {
        List<String> lines = stackTrace == null ? List.of() : stackTrace.lines().toList();
        String root = lines.isEmpty() ? String.valueOf(exceptionName) : lines.get(0);
        for (String line : lines) {
            if (line.startsWith(CAUSED_BY) && !line.startsWith(CAUSED_BY + "[CIRCULAR REFERENCE")) {
                root = line.substring(CAUSED_BY.length());
            }
        }
        return withoutPackage(root.strip());
    }

    /** {@code cause} with every number (decimal or hex) written as {@code #}: the same for failures with the same cause. */
    public static String key(String cause) {
        return cause.replaceAll("[0-9A-Fa-f]*[0-9][0-9A-Fa-f]*", "#"); // hex too: positions (0/1A2B), ids
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
