package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An embedded Redis server on a fixed free port, without persistence unless started with {@link
 * #startPersistent()}, that a test can stop and start again where the sink expects it; plus a
 * connection for assertions.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private final boolean persistent;
    private RedisServer server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private EmbeddedRedis(int port, Path dataDir, boolean persistent) {
        this.port = port;
        this.dataDir = dataDir;
        this.persistent = persistent;
    }

    public static EmbeddedRedis start() throws IOException {
        return start(false);
    }

    /**
     * A server that keeps its data across {@link #stopServer()} and {@link #startServer()}, as a
     * durable deployment would: every write is appended to an append-only file and fsynced before
     * it is acknowledged.
     */
    public static EmbeddedRedis startPersistent() throws IOException {
        return start(true);
    }

    private static EmbeddedRedis start(boolean persistent) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedRedis redis = new EmbeddedRedis(port, Files.createTempDirectory("tidemark-redis"), persistent);
        redis.startServer();
        redis.client = RedisClient.create(redis.uri());
        redis.connection = redis.client.connect();
        return redis;
    }

    /**
     * Starts the server (again) on the same port; it comes up empty, or if persistent with the data
     * it held when stopped.
     */
    public void startServer() throws IOException {
        server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting(persistent ? "appendonly yes" : "appendonly no")
                .settingIf(persistent, "appendfsync always")
                .setting("dir " + dataDir)
                .build();
        server.start();
    }

    /** Stops the server (SIGTERM, so a persistent one flushes its append-only file first). */
    public void stopServer() throws IOException {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Commands for assertions; Lettuce reconnects this connection after a restart. */
    public RedisCommands<String, String> commands() {
        return connection.sync();
    }

    /** Every key matching {@code pattern}, read with SCAN (a test never blocks the server with KEYS). */
    public List<String> keys(String pattern) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = commands().scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
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
