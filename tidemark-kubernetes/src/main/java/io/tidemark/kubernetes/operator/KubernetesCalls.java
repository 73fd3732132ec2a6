package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import javax.annotation.Nullable;
import javax.net.ssl.SSLException;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Every call to the Kubernetes API, bounded by the call timeout (and by a wait's deadline, if
 * sooner) whatever timeouts the client was built with, and its failures as the exceptions the
 * snapshot service reports: an API server that cannot be reached, credentials it refuses, or its
 * one-line status message.
 */
final class KubernetesCalls implements AutoCloseable {

    private final KubernetesClient client;
    private final Duration callTimeout;
    private final String apiAddress;
    private final String namespace;
    private final ExecutorService executor;

    KubernetesCalls(KubernetesClient client, String namespace, Duration callTimeout) {
        this.client = client;
        this.namespace = namespace;
        this.callTimeout = callTimeout;
        this.apiAddress = address(client.getMasterUrl());
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tidemark-kubernetes-call-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    KubernetesClient client() {
        return client;
    }

    /** The API server's address, as messages name it. */
    String apiAddress() {
        return apiAddress;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    /** One call, at most the call timeout. */
    <T> T call(String what, Callable<T> call) throws Exception {
        return call(what, call, callTimeout, () -> new TimeoutException(what + ": the Kubernetes API at " + apiAddress
                + " did not answer within " + Wait.format(callTimeout)));
    }

    /** One call within {@code wait}: at most the call timeout, and never past the wait's deadline. */
    <T> T call(String what, Callable<T> call, @Nullable Wait wait) throws Exception {
        if (wait == null || wait.timeLeft().compareTo(callTimeout) >= 0) {
            return call(what, call);
        }
        return call(what, call, wait.timeLeft(), wait::timedOut);
    }

    private <T> T call(String what, Callable<T> call, Duration limit, Supplier<TimeoutException> timeout) throws Exception {
        Future<T> future = executor.submit(call);
        try {
            return future.get(Math.max(1, limit.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timeout.get();
        } catch (ExecutionException e) {
            throw failure(e.getCause(), what);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /** The HTTP status code of a failed call, 0 if it got no answer. */
    static int httpCode(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return k.getCode();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return 0;
    }

    /** The failure of a call as the exception to report. */
    private Exception failure(Throwable error, String what) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof SnapshotException || cause instanceof TimeoutException || cause instanceof InterruptedException) {
            return (Exception) cause;
        }
        Optional<Throwable> connection = connectionProblem(cause);
        if (connection.isPresent()) {
            return new SnapshotException(Reason.CLUSTER_UNREACHABLE, "cannot reach the Kubernetes API at " + apiAddress + ": "
                    + connectionReason(connection.get()), cause);
        }
        int code = httpCode(cause);
        if (code == 0 && timedOut(cause)) {
            return new TimeoutException(what + ": the Kubernetes API at " + apiAddress + " did not answer within "
                    + Wait.format(callTimeout));
        }
        if (code == 401) {
            return new SnapshotException(Reason.OPERATION_FAILED, what + ": the Kubernetes API at " + apiAddress
                    + " refused the kubeconfig's credentials (401 Unauthorized); log in to the cluster again", cause);
        }
        if (code == 403) {
            return new SnapshotException(Reason.OPERATION_FAILED, what + " is forbidden: " + serverMessage(cause)
                    + "; the kubeconfig's user needs RBAC rights on flinkdeployments and flinkstatesnapshots"
                    + " (group flink.apache.org) in namespace " + namespace, cause);
        }
        if (code > 0) {
            return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: " + serverMessage(cause) + " (HTTP " + code + ")", cause);
        }
        return new SnapshotException(Reason.OPERATION_FAILED, what + " failed: " + rootCause(cause), cause);
    }

    /** The local network failure among {@code error}'s causes, if not reaching the API server is what failed. */
    static Optional<Throwable> connectionProblem(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException
                    || t instanceof SSLException) {
                return Optional.of(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    private static String connectionReason(Throwable problem) {
        String message = firstLine(String.valueOf(problem.getMessage()));
        if (problem instanceof UnknownHostException) {
            return "unknown host " + message;
        }
        if (problem instanceof SSLException) {
            return "TLS failed (" + message + "); check the kubeconfig's certificate authority";
        }
        return message;
    }

    private static boolean timedOut(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException
                    || t instanceof InterruptedIOException || t instanceof TimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The API server's own message (its Status), else the client's first line. */
    private static String serverMessage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k) {
                if (k.getStatus() != null && k.getStatus().getMessage() != null && !k.getStatus().getMessage().isBlank()) {
                    return firstLine(k.getStatus().getMessage());
                }
                return firstLine(String.valueOf(k.getMessage()));
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return firstLine(String.valueOf(error.getMessage()));
    }

    private static String rootCause(Throwable error) {
        Throwable root = error;
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            root = t;
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + firstLine(message));
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse(text).strip();
    }

    private static String address(@Nullable URL url) {
        if (url == null) {
            return "(no address)";
        }
        String text = url.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
