package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What differs between a standalone Redis and a Redis Cluster for the sink, behind one type, so
 * that {@link RedisBatchApplier} writes through Lettuce's common {@link RedisClusterAsyncCommands}
 * in both modes: how the pipelined connection is opened, where the script must be loaded, which
 * masters take the writes (and through which connection, for {@code WAIT}), and whether the client
 * must look at the topology again after an error.
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

    /**
     * A master that takes the sink's writes, with the connection its writes go through: {@code WAIT}
     * and {@code WAITAOF} only cover the writes made on their own connection.
     *
     * @param address host:port, for messages
     * @param slot a slot the master owns (its lowest), or -1 for a standalone server
     */
    record Master(String address, RedisClusterAsyncCommands<String, String> commands, int slot) {}

    /**
     * The masters that take the sink's writes, each with the connection the sink writes to it
     * through, opening what is not open yet: the server, or every master that owns slots.
     */
    abstract List<Master> masters();

    /** The address of the master that takes writes of {@code key}, as {@link Master#address()} names it. */
    abstract String masterOf(String key);

    /**
     * Checks, on connections of its own, what {@code check} says about every master (the server,
     * or each master owning slots); returns the first problem, prefixed with the master's address
     * in a cluster, or empty.
     */
    abstract Optional<String> checkMasters(Function<RedisCommands<String, String>, Optional<String>> check);

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
