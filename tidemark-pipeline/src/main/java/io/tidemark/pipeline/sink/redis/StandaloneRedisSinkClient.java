package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The sink's client for one Redis server at one address ({@code mode: standalone}). */
final class StandaloneRedisSinkClient extends RedisSinkClient<StatefulRedisConnection<String, String>> {

    private final RedisClient client;
    private final String address;

    /** @param address the server's address, for messages */
    StandaloneRedisSinkClient(RedisClient client, String address) {
        super(client);
        this.client = client;
        this.address = address;
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
    List<Master> masters() {
        return List.of(new Master(address, connect(), -1));
    }

    @Override
    String masterOf(String key) {
        return address;
    }

    @Override
    Optional<String> checkMasters(Function<RedisCommands<String, String>, Optional<String>> check) {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return check.apply(connection.sync());
        }
    }

    @Override
    void check() {
        try (StatefulRedisConnection<String, String> ping = client.connect()) {
            ping.sync().ping();
        }
    }
}
