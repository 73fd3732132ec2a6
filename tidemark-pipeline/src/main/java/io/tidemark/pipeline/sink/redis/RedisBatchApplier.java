package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.event.ChangeEvent;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies a batch of changes (at most one per key) as pipelined {@code EVALSHA} calls of the
 * {@link GuardedWriteScript}, and retries the whole batch after a transient error. Retrying a
 * batch is safe even if part of it was applied: the script skips every change that is not newer
 * than what the key holds. Standalone and cluster differ only in their {@link RedisSinkClient}.
 */
final class RedisBatchApplier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBatchApplier.class);

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** How long to wait for replies before flushing again; see {@link #awaitAll}. */
    private static final long REFLUSH_MILLIS = 20;
    private static final List<String> TRANSIENT_REPLIES =
            List.of("LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "BUSY", "NOSCRIPT");
    /**
     * Replies that, from a cluster, mean the client's topology is behind: redirects used up while
     * slots move, or a write that reached a master demoted by a failover.
     */
    private static final List<String> CLUSTER_TRANSIENT_REPLIES = List.of("MOVED", "ASK", "READONLY");

    private final RedisConnector connector;
    private final RedisRowEncoder encoder;
    private final String sinkName;
    private final int maxRetries;
    private RedisSinkClient<?> client;
    private String scriptSha;
    private volatile long retries;
    private long applied;
    private long skipped;

    RedisBatchApplier(RedisConnector connector, RedisRowEncoder encoder, String sinkName, int maxRetries) {
        this.connector = connector;
        this.encoder = encoder;
        this.sinkName = sinkName;
        this.maxRetries = maxRetries;
    }

    /**
     * Applies {@code changes} (data key to newest change), retrying transient errors with
     * exponential backoff; throws once the retries are used up or on any other error.
     */
    void apply(Map<String, ChangeEvent> changes) throws IOException, InterruptedException {
        if (changes.isEmpty()) {
            return;
        }
        List<RedisRowEncoder.ScriptCall> calls = new ArrayList<>(changes.size());
        for (Map.Entry<String, ChangeEvent> change : changes.entrySet()) {
            calls.add(encoder.call(change.getKey(), change.getValue()));
        }
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 0; ; attempt++) {
            try {
                applyOnce(calls);
                return;
            } catch (RedisException | TimeoutException e) {
                if (!isTransient(e, connector.mode())) {
                    throw new IOException("sink " + sinkName + ": Redis rejected a write: " + message(e)
                            + modeHint(e, connector.mode()), e);
                }
                if (attempt >= maxRetries) {
                    throw new IOException("sink " + sinkName + ": Redis at " + connector.uri() + " still failing after "
                            + maxRetries + " retries: " + message(e), e);
                }
                retries++;
                LOG.warn("Sink {}: transient Redis error ({}), retry {} of {} in {} ms",
                        sinkName, message(e), attempt + 1, maxRetries, backoff.toMillis());
                // a restart or failover may have emptied a script cache (NOSCRIPT): reload before the retry,
                // at the cost of one SCRIPT LOAD per master
                scriptSha = null;
                if (client != null) {
                    if (!(e instanceof RedisCommandExecutionException)) {
                        client.disconnect(); // lost or timed out: start the retry on a fresh connection, with no late replies
                    }
                    client.topologyMayHaveChanged();
                }
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void applyOnce(List<RedisRowEncoder.ScriptCall> calls)
            throws TimeoutException, InterruptedException {
        if (client == null) {
            client = connector.createSinkClient();
        }
        if (!client.isConnected()) {
            scriptSha = null; // a new connection may reach a restarted or failed-over server with an empty script cache
        }
        RedisClusterAsyncCommands<String, String> commands = client.connect();
        if (scriptSha == null) {
            List<RedisFuture<String>> loads = client.loadScript(GuardedWriteScript.SOURCE);
            awaitAll(loads);
            String sha = null;
            for (RedisFuture<String> load : loads) {
                sha = await(load);
            }
            scriptSha = sha;
        }
        List<RedisFuture<Long>> results = new ArrayList<>(calls.size());
        for (RedisRowEncoder.ScriptCall call : calls) {
            results.add(commands.evalsha(scriptSha, ScriptOutputType.INTEGER, call.keys(), call.args()));
        }
        client.flush();
        // wait for every reply before reporting an error, so a retry never overlaps this attempt
        awaitAll(results);
        RuntimeException firstError = null;
        long nowApplied = 0;
        for (RedisFuture<Long> result : results) {
            try {
                nowApplied += await(result);
            } catch (RedisException e) {
                firstError = firstError == null ? e : firstError;
            }
        }
        if (firstError != null) {
            throw firstError;
        }
        applied += nowApplied;
        skipped += calls.size() - nowApplied;
    }

    /**
     * Waits until every future is done, flushing again every {@value #REFLUSH_MILLIS} ms meanwhile: a
     * cluster connection may queue a command after the flush (on a node connection that was still
     * opening, or when it follows a MOVED or ASK redirect), and with auto-flush off nothing else would
     * send it. Times out after {@link RedisConnector#COMMAND_TIMEOUT}, closing the connection so
     * that late replies are never mistaken for the next attempt's.
     */
    private void awaitAll(List<? extends RedisFuture<?>> futures) throws TimeoutException, InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(
                futures.stream().map(RedisFuture::toCompletableFuture).toArray(CompletableFuture[]::new));
        long deadline = System.nanoTime() + RedisConnector.COMMAND_TIMEOUT.toNanos();
        while (true) {
            try {
                all.get(REFLUSH_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                return; // every future is done; the caller reads each one's outcome
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    client.disconnect();
                    throw new TimeoutException("no reply from Redis within " + RedisConnector.COMMAND_TIMEOUT.toMillis()
                            + " ms");
                }
                client.flush();
            }
        }
    }

    /** The outcome of a completed future. */
    private static <T> T await(RedisFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RedisException redis) {
                throw redis;
            }
            throw new RedisException(cause);
        }
    }

    /**
     * Lost connections, timeouts and the replies that mean "not now" are transient; any other
     * error reply (WRONGTYPE, a script error, OOM) would fail again, so it fails the job at once.
     * In a cluster, replies that mean the topology changed under the client are transient too.
     */
    static boolean isTransient(Exception e, RedisSinkMode mode) {
        if (e instanceof RedisNoScriptException || e instanceof TimeoutException) {
            return true;
        }
        if (e instanceof RedisCommandExecutionException) {
            String reply = message(e).toUpperCase(Locale.ROOT);
            return TRANSIENT_REPLIES.stream().anyMatch(reply::startsWith)
                    || (mode == RedisSinkMode.CLUSTER && CLUSTER_TRANSIENT_REPLIES.stream().anyMatch(reply::startsWith));
        }
        return true; // connection refused, closed or reset, command timeout, a slot no reachable master owns
    }

    /** A redirect seen by a standalone client means the server belongs to a Redis Cluster. */
    private static String modeHint(Exception e, RedisSinkMode mode) {
        String reply = message(e).toUpperCase(Locale.ROOT);
        if (mode == RedisSinkMode.STANDALONE && (reply.startsWith("MOVED") || reply.startsWith("ASK"))) {
            return "; the server is a Redis Cluster node: set mode: cluster";
        }
        return "";
    }

    static String message(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
    }

    /** Batches re-sent after a transient error. */
    long retries() {
        return retries;
    }

    /** Changes written so far. */
    long applied() {
        return applied;
    }

    /** Changes skipped so far because the key or its tombstone was as new or newer. */
    long skipped() {
        return skipped;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    /** Checks that Redis answers (and that a cluster is healthy); used before the job is submitted. */
    static void ping(RedisConnector connector) {
        try (RedisSinkClient<?> client = connector.createSinkClient()) {
            client.check();
        }
    }
}
