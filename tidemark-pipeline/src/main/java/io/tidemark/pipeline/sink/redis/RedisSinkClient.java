package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Duration;
import java.util.List;

/**
 * What differs between a standalone Redis and a Redis Cluster for the sink, behind one type, so
 * that {@link RedisBatchApplier} writes through Lettuce's common {@link RedisClusterAsyncCommands}
 * in both modes: how the pipelined connection is opened, where the script must be loaded, and
 * whether the client must look at the topology again after an error.
 *
 * <p>One instance per sink writer, used from the task thread only. At most one connection is open;
 * commands are not flushed until {@link #flush()} (pipelining).
 */
abstract class RedisSinkClient<C extends StatefulConnection<String, String>> implements AutoCloseable {

    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    private final AbstractRedisClient redisClient;
    /** The open pipelined connection, or null. */
    protected C connection;

    RedisSinkClient(AbstractRedisClient redisClient) {
        this.redisClient = redisClient;
    }

    /** Whether a connection is open; a new one may reach a server with an empty script cache. */
    final boolean isConnected() {
        return connection != null;
    }

    /** The open connection's commands, opening it (with auto-flush off) if none is open. */
    final RedisClusterAsyncCommands<String, String> connect() {
        beforeConnect();
        if (connection == null) {
            connection = open();
            connection.setAutoFlushCommands(false);
        }
        return commands(connection);
    }

    /** What must happen before each use of the connection (a cluster refreshes a stale topology). */
    void beforeConnect() {}

    /** Opens a connection. */
    abstract C open();

    /** The connection's asynchronous commands, as the type both modes share. */
    abstract RedisClusterAsyncCommands<String, String> commands(C connection);

    /**
     * Queues {@code SCRIPT LOAD source} on every server that takes the sink's writes (the server, or
     * every master owning slots) and flushes it; one future per server.
     */
    abstract List<RedisFuture<String>> loadScript(String source);

    /** Sends every queued command. */
    final void flush() {
        if (connection != null) {
            connection.flushCommands();
        }
    }

    /**
     * Closes the open connection without waiting, so that no late reply of an abandoned attempt is
     * mistaken for the next attempt's.
     */
    final void disconnect() {
        if (connection != null) {
            connection.closeAsync();
            connection = null;
        }
    }

    /** Called after a transient error: a cluster re-reads its topology before the next attempt. */
    void topologyMayHaveChanged() {}

    /** Checks once, on a connection of its own, that Redis answers (and a cluster is healthy). */
    abstract void check();

    /** Closes the connection and shuts the client down. */
    @Override
    public final void close() {
        if (connection != null) {
            connection.close(); // before the shutdown, which would close it a second time
            connection = null;
        }
        redisClient.shutdown(Duration.ZERO, SHUTDOWN_TIMEOUT);
    }
}
