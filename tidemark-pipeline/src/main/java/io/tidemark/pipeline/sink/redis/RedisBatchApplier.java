package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.event.ChangeEvent;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies a batch of changes (at most one per key) as pipelined {@code EVALSHA} calls of the
 * {@link GuardedWriteScript}, and retries the whole batch after a transient error. Retrying a
 * batch is safe even if part of it was applied: the script skips every change that is not newer
 * than what the key holds.
 */
final class RedisBatchApplier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBatchApplier.class);

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final List<String> TRANSIENT_REPLIES =
            List.of("LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "BUSY", "NOSCRIPT");

    private final RedisConnector connector;
    private final RedisRowEncoder encoder;
    private final String sinkName;
    private final int maxRetries;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
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
                if (!isTransient(e)) {
                    throw new IOException("sink " + sinkName + ": Redis rejected a write: " + message(e), e);
                }
                if (attempt >= maxRetries) {
                    throw new IOException("sink " + sinkName + ": Redis at " + connector.uri() + " still failing after "
                            + maxRetries + " retries: " + message(e), e);
                }
                retries++;
                LOG.warn("Sink {}: transient Redis error ({}), retry {} of {} in {} ms",
                        sinkName, message(e), attempt + 1, maxRetries, backoff.toMillis());
                if (e instanceof RedisNoScriptException || message(e).startsWith("NOSCRIPT")) {
                    scriptSha = null; // the server lost its script cache (restart, failover, SCRIPT FLUSH)
                }
                if (!(e instanceof RedisCommandExecutionException)) {
                    disconnect(); // lost or timed out: start the retry on a fresh connection, with no late replies
                }
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void applyOnce(List<RedisRowEncoder.ScriptCall> calls)
            throws TimeoutException, InterruptedException {
        RedisAsyncCommands<String, String> commands = connect().async();
        if (scriptSha == null) {
            RedisFuture<String> load = commands.scriptLoad(GuardedWriteScript.SOURCE);
            connection.flushCommands();
            scriptSha = await(load);
        }
        List<RedisFuture<Long>> results = new ArrayList<>(calls.size());
        for (RedisRowEncoder.ScriptCall call : calls) {
            results.add(commands.evalsha(scriptSha, ScriptOutputType.INTEGER, call.keys(), call.args()));
        }
        connection.flushCommands();
        // wait for every reply before reporting an error, so a retry never overlaps this attempt
        RuntimeException firstError = null;
        TimeoutException timeout = null;
        long nowApplied = 0;
        for (RedisFuture<Long> result : results) {
            try {
                nowApplied += await(result);
            } catch (RedisException e) {
                firstError = firstError == null ? e : firstError;
            } catch (TimeoutException e) {
                timeout = e;
                break;
            }
        }
        if (timeout != null) {
            disconnect(); // late replies must not be mistaken for the next attempt's
            throw timeout;
        }
        if (firstError != null) {
            throw firstError;
        }
        applied += nowApplied;
        skipped += calls.size() - nowApplied;
    }

    private StatefulRedisConnection<String, String> connect() {
        if (connection == null) {
            if (client == null) {
                client = connector.createClient();
            }
            connection = client.connect();
            connection.setAutoFlushCommands(false);
            scriptSha = null; // a new connection may reach a restarted or failed-over server with an empty script cache
        }
        return connection;
    }

    private static <T> T await(RedisFuture<T> future) throws TimeoutException, InterruptedException {
        try {
            return future.get(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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
     */
    static boolean isTransient(Exception e) {
        if (e instanceof RedisNoScriptException || e instanceof TimeoutException) {
            return true;
        }
        if (e instanceof RedisCommandExecutionException) {
            String reply = message(e).toUpperCase(Locale.ROOT);
            return TRANSIENT_REPLIES.stream().anyMatch(reply::startsWith);
        }
        return true; // connection refused, closed or reset, command timeout
    }

    private static String message(Throwable e) {
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

    private void disconnect() {
        if (connection != null) {
            connection.closeAsync();
            connection = null;
        }
    }

    @Override
    public void close() {
        disconnect();
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            client = null;
        }
    }

    /** Pings the server once; used before the job is submitted. */
    static void ping(RedisConnector connector) {
        RedisClient client = connector.createClient();
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().ping();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
