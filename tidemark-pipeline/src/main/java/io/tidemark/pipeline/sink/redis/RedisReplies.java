package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkMode;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Redis's error replies for the sink: the error code of a reply, also of an error raised
 * inside the guard script (which Redis before 7 wraps in {@code ERR Error running script}), and
 * what the sink does about it. Rejections, outages and configuration mistakes must be told apart:
 * the first go to the dead-letter queue change by change, the second are retried, the last fail the
 * job at once instead of filling the queue with every change.
 */
final class RedisReplies {

    /** What the sink does about an error. */
    enum Kind {
        /** "Not now": the batch is retried with backoff, then the job fails; never queued. */
        TRANSIENT,
        /** The change itself cannot be written (WRONGTYPE, OOM, …): queued once its attempts are used up. */
        REJECTED,
        /** Every change would fail alike (authentication, wrong mode, missing command): fails the job at once. */
        FATAL
    }

    private static final List<String> TRANSIENT_CODES = List.of(
            "LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "BUSY", "NOSCRIPT", "READONLY", "NOREPLICAS",
            "MISCONF");
    /** From a cluster: the client's topology is behind (redirects used up while slots move). */
    private static final List<String> CLUSTER_TRANSIENT_CODES = List.of("MOVED", "ASK");
    private static final List<String> FATAL_CODES = List.of("NOAUTH", "WRONGPASS", "NOPERM");
    /** Redis before 7: {@code ERR Error running script (call to f_…): @user_script:12: WRONGTYPE …}. */
    private static final Pattern WRAPPED = Pattern.compile(
            "^ERR Error running script .*?@user_script:\\s*\\d+:\\s*(?:@user_script:\\s*\\d+:\\s*)?-?([A-Z][A-Z_]*)\\b");
    private static final Pattern CODE = Pattern.compile("^-?([A-Z][A-Z_]*)\\b");

    private RedisReplies() {}

    static Kind kind(Exception e, RedisSinkMode mode) {
        if (e instanceof DurabilityWait.UnavailableException) {
            return Kind.FATAL;
        }
        if (e instanceof RedisNoScriptException || e instanceof TimeoutException
                || e instanceof DurabilityWait.NotDurableException) {
            return Kind.TRANSIENT;
        }
        if (!(e instanceof RedisCommandExecutionException)) {
            return Kind.TRANSIENT; // connection refused, closed or reset, command timeout, a slot no reachable master owns
        }
        String code = errorCode(message(e));
        if (TRANSIENT_CODES.contains(code)) {
            return Kind.TRANSIENT;
        }
        if (CLUSTER_TRANSIENT_CODES.contains(code)) {
            return mode == RedisSinkMode.CLUSTER ? Kind.TRANSIENT : Kind.FATAL;
        }
        if (FATAL_CODES.contains(code) || isUnknownCommand(e)) {
            return Kind.FATAL;
        }
        return Kind.REJECTED;
    }

    /**
     * The error code of a reply: its first word ({@code WRONGTYPE}, {@code OOM}, {@code ERR}), or
     * for an error raised inside a script by Redis before 7, the code of that inner error.
     */
    static String errorCode(String reply) {
        String text = reply.strip();
        Matcher wrapped = WRAPPED.matcher(text);
        if (wrapped.find()) {
            return wrapped.group(1);
        }
        Matcher code = CODE.matcher(text);
        return code.find() ? code.group(1) : "ERR";
    }

    static boolean isUnknownCommand(Exception e) {
        return message(e).toLowerCase(Locale.ROOT).startsWith("err unknown command");
    }

    /** A standalone client that meets a redirect is talking to a Redis Cluster node. */
    static String modeHint(Exception e, RedisSinkMode mode) {
        String code = e instanceof RedisCommandExecutionException ? errorCode(message(e)) : "";
        if (mode == RedisSinkMode.STANDALONE && CLUSTER_TRANSIENT_CODES.contains(code)) {
            return "; the server is a Redis Cluster node: set mode: cluster";
        }
        return "";
    }

    /** The first line of an error's message, or its type. */
    static String message(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
    }
}
