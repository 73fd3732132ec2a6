package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An embedded Redis server on a fixed free port, without persistence, that a test can stop and
 * start again where the sink expects it; plus a connection for assertions.
 */
final class EmbeddedRedis implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private RedisServer server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private EmbeddedRedis(int port, Path dataDir) {
        this.port = port;
        this.dataDir = dataDir;
    }

    static EmbeddedRedis start() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedRedis redis = new EmbeddedRedis(port, Files.createTempDirectory("tidemark-redis"));
        redis.startServer();
        redis.client = RedisClient.create(redis.uri());
        redis.connection = redis.client.connect();
        return redis;
    }

    /** Starts the server (again) on the same port; it comes up empty. */
    void startServer() throws IOException {
        server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir " + dataDir)
                .build();
        server.start();
    }

    void stopServer() throws IOException {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Commands for assertions; Lettuce reconnects this connection after a restart. */
    RedisCommands<String, String> commands() {
        return connection.sync();
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        stopServer();
    }
}
