package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Duration;
import java.util.List;

/** The sink's client for one Redis server at one address ({@code mode: standalone}). */
final class StandaloneRedisSinkClient extends RedisSinkClient {

    private final RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    StandaloneRedisSinkClient(RedisClient client) {
        this.client = client;
    }

    @Override
    boolean isConnected() {
        return connection != null;
    }

    @Override
    RedisClusterAsyncCommands<String, String> connect() {
        if (connection == null) {
            connection = client.connect();
            connection.setAutoFlushCommands(false);
        }
        return connection.async();
    }

    @Override
    List<RedisFuture<String>> loadScript(String source) {
        RedisFuture<String> load = connect().scriptLoad(source);
        connection.flushCommands();
        return List.of(load);
    }

    @Override
    void flush() {
        if (connection != null) {
            connection.flushCommands();
        }
    }

    @Override
    void disconnect() {
        if (connection != null) {
            connection.closeAsync();
            connection = null;
        }
    }

    @Override
    void check() {
        try (StatefulRedisConnection<String, String> ping = client.connect()) {
            ping.sync().ping();
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close(); // before the shutdown, which would close it a second time
            connection = null;
        }
        client.shutdown(Duration.ZERO, SHUTDOWN_TIMEOUT);
    }
}
