package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotProblems;

import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.util.SerializedThrowable;
import org.apache.flink.util.concurrent.FutureUtils;

import org.apache.flink.shaded.netty4.io.netty.channel.ConnectTimeoutException;

import java.io.FileNotFoundException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Reads the failures Flink's REST client and cluster report (local exceptions, error responses
 * whose server-side stack trace arrives as text, a job's or an operation's {@link
 * SerializedThrowable}) and turns them into one-line messages and {@link Reason}s. Flink gives no
 * error codes for these cases, so the snapshot problems are recognized by the sentences Flink's
 * checkpoint loading has used since 1.x; an unrecognized failure stays {@link Reason#OPERATION_FAILED}.
 */
final class FlinkFailures {

    private FlinkFailures() {}

    /** The failure without the wrappers that futures and Flink's retries put around it. */
    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException || t instanceof FutureUtils.RetryException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The local network failure among {@code error}'s causes, if not reaching the server is what failed. */
    static Optional<Throwable> connectionProblem(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException
                    || t instanceof ConnectTimeoutException
                    || t instanceof SocketTimeoutException) {
                return Optional.of(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    /** Why the server could not be reached, in a few words. */
    static String connectionReason(Throwable problem) {
        String message = String.valueOf(problem.getMessage());
        if (problem instanceof UnknownHostException) {
            return "unknown host " + message;
        }
        if (problem instanceof ConnectTimeoutException || problem instanceof SocketTimeoutException) {
            return "no answer (" + firstLine(message) + ")";
        }
        return firstLine(message);
    }

    /** The error response among {@code error}'s causes. */
    static Optional<RestClientException> restError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RestClientException rest) {
                return Optional.of(rest);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    /**
     * The useful line of an error response: Flink sends a list of messages, for an unexpected
     * failure "Internal server error." and the server's stack trace; the innermost cause says most.
     */
    static String serverMessage(RestClientException error) {
        String text = String.valueOf(error.getMessage()).strip();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1);
        }
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String best = null;
        for (String line : lines) {
            if (line.startsWith("Caused by: ")) {
                best = line.substring("Caused by: ".length());
            }
        }
        if (best == null) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("<Exception on server side:") && i + 1 < lines.size()) {
                    best = lines.get(i + 1);
                    break;
                }
            }
        }
        if (best == null) {
            best = lines.isEmpty() ? "HTTP " + error.getHttpResponseStatus().code() : lines.get(0);
        }
        return withSimpleClassName(best);
    }

    /** The innermost cause as "SimpleName: first line of its message". */
    static String rootCause(Throwable error) {
        Throwable root = error;
        for (Throwable t = error; t != null; t = t.getCause()) {
            root = t;
            if (t.getCause() == t) {
                break;
            }
        }
        String message = message(root);
        String name = simpleName(className(root));
        return message.isEmpty() || "null".equals(message) ? name : name + ": " + firstLine(message);
    }

    /**
     * The snapshot problem a failure to restore or dispose a snapshot comes from, if it is one a
     * user can act on: nothing at the path, no {@code _metadata} there, a {@code _metadata} Flink
     * cannot read, or state the job has no operator for. {@code action} names what failed and the
     * path ("cannot dispose savepoint s3://...").
     */
    static Optional<SnapshotException> snapshotProblem(Throwable error, String action) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SnapshotException) {
                continue; // ours, quoting Flink's message: read Flink's own
            }
            Optional<SnapshotException> problem = SnapshotProblems.of(message(t), action, error);
            if (problem.isPresent()) {
                return problem;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    /** Whether the cluster said it does not know the job (as opposed to an endpoint it does not serve). */
    static boolean isJobNotFound(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (className(t).endsWith("FlinkJobNotFoundException") || message(t).contains("FlinkJobNotFoundException")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The message; a serialized cause's message may start with its own class name, which is dropped. */
    static String message(Throwable t) {
        String message = String.valueOf(t.getMessage());
        String prefix = className(t) + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    static String firstLine(String text) {
        return text.lines().findFirst().orElse(text).strip();
    }

    private static String className(Throwable t) {
        return t instanceof SerializedThrowable serialized ? serialized.getOriginalErrorClassName() : t.getClass().getName();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    /** "org.apache.flink.Foo: message" becomes "Foo: message". */
    private static String withSimpleClassName(String line) {
        int colon = line.indexOf(": ");
        String head = colon < 0 ? line : line.substring(0, colon);
        if (head.matches("([a-z_][a-z0-9_]*\\.)+[A-Za-z_$][A-Za-z0-9_$]*")) {
            return simpleName(head) + line.substring(head.length());
        }
        return line;
    }
}
