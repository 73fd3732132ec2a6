package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.List;

/** The sink's client for one Redis server at one address ({@code mode: standalone}). */
final class StandaloneRedisSinkClient extends RedisSinkClient<StatefulRedisConnection<String, String>> {

    private final RedisClient client;

    StandaloneRedisSinkClient(RedisClient client) {
        super(client);
        this.client = client;
    }

    @Override
    StatefulRedisConnection<String, String> open() {
        return client.connect();
    }

    @Override
    RedisClusterAsyncCommands<String, String> commands(StatefulRedisConnection<String, String> connection) {
        return connection.async();
    }

    @Override
    List<RedisFuture<String>> loadScript(String source) {
        RedisFuture<String> load = connect().scriptLoad(source);
        connection.flushCommands();
        return List.of(load);
    }

    @Override
    void check() {
        try (StatefulRedisConnection<String, String> ping = client.connect()) {
            ping.sync().ping();
        }
    }
}
