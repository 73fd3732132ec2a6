package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * An embedded Redis server on a fixed free port, without persistence unless started with {@link
 * #startPersistent()}, that a test can stop and start again where the sink expects it, kill with
 * SIGKILL, freeze with SIGSTOP, or run as the replica of another; plus a connection for assertions.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private final boolean persistent;
    /** Further redis.conf lines, such as {@code maxmemory 1mb} or {@code replicaof 127.0.0.1 6379}. */
    private final List<String> settings;
    private RedisServer server;
    /** The running server's process id, once asked (embedded-redis does not expose its process). */
    private long pid;
    private boolean paused;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private EmbeddedRedis(int port, Path dataDir, boolean persistent, List<String> settings) {
        this.port = port;
        this.dataDir = dataDir;
        this.persistent = persistent;
        this.settings = List.copyOf(settings);
    }

    /**
     * One server for a test class, as a JUnit extension: {@code @RegisterExtension static final
     * EmbeddedRedis.PerClass REDIS = new EmbeddedRedis.PerClass();}, then {@code REDIS.server()}.
     */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {

        private EmbeddedRedis server;

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            server = start();
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            if (server != null) {
                server.close();
            }
        }

        public EmbeddedRedis server() {
            return server;
        }
    }

    public static EmbeddedRedis start() throws IOException {
        return start(false, List.of());
    }

    /**
     * A server that keeps its data across {@link #stopServer()} and {@link #startServer()}, and
     * across {@link #kill()}, as a durable deployment would: every write is appended to an
     * append-only file and fsynced before it is acknowledged ({@code appendfsync always}).
     */
    public static EmbeddedRedis startPersistent() throws IOException {
        return start(true, List.of());
    }

    /**
     * A server with further redis.conf lines ({@code "maxmemory 1mb"}); without persistence unless
     * they say otherwise ({@code "appendonly yes"}).
     */
    public static EmbeddedRedis startWith(String... settings) throws IOException {
        return start(false, List.of(settings));
    }

    /**
     * A replica of {@code master} (without persistence), returned once its link to the master is
     * up and the initial synchronisation is done.
     */
    public static EmbeddedRedis startReplicaOf(EmbeddedRedis master) throws IOException {
        List<String> settings = List.of("replicaof " + master.host() + " " + master.port());
        EmbeddedRedis replica = start(false, settings);
        replica.awaitLinkUp();
        return replica;
    }

    private static EmbeddedRedis start(boolean persistent, List<String> settings) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedRedis redis = new EmbeddedRedis(port, Files.createTempDirectory("tidemark-redis"), persistent, settings);
        redis.startServer();
        redis.client = RedisClient.create(redis.uri());
        redis.connection = redis.client.connect();
        return redis;
    }

    /**
     * Starts the server (again) on the same port; it comes up empty, or if persistent with the data
     * it held when stopped or killed.
     */
    public void startServer() throws IOException {
        RedisServerBuilder builder = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .settingIf(persistent, "appendonly yes")
                .settingIf(persistent, "appendfsync always")
                .setting("dir " + dataDir);
        if (!persistent && settings.stream().noneMatch(s -> s.startsWith("appendonly"))) {
            builder.setting("appendonly no");
        }
        settings.forEach(builder::setting);
        server = builder.build();
        server.start();
        pid = 0;
        paused = false;
    }

    /** Stops the server (SIGTERM, so a persistent one flushes its append-only file first). */
    public void stopServer() throws IOException {
        if (server != null) {
            resume();
            server.stop();
            server = null;
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash or a lost machine would: nothing is flushed, and
     * what it had not sent to its replicas or written to disk is gone.
     */
    public void kill() throws IOException {
        if (server == null) {
            return;
        }
        ProcessHandle process = ProcessHandle.of(pid()).orElseThrow();
        process.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
        server.stop(); // reaps the process and its output readers
        server = null;
        paused = false;
    }

    /** Freezes the server with SIGSTOP: it keeps its connections open but answers nothing. */
    public void pause() throws IOException {
        signal("-STOP");
        paused = true;
    }

    /** Lets a {@link #pause() paused} server run again (SIGCONT). */
    public void resume() throws IOException {
        if (paused) {
            signal("-CONT");
            paused = false;
        }
    }

    private void signal(String signal) throws IOException {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IOException("kill " + signal + " " + pid() + " exited with " + kill.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling Redis", e);
        }
    }

    private long pid() {
        if (pid == 0) {
            pid = Long.parseLong(info("server", "process_id"));
        }
        return pid;
    }

    /** A field of {@code INFO section}, such as {@code info("replication", "connected_slaves")}. */
    public String info(String section, String field) {
        return commands().info(section).lines()
                .filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).trim())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("INFO " + section + " has no " + field));
    }

    /** Makes a replica a master of its own ({@code REPLICAOF NO ONE}), as a failover would. */
    public void promote() {
        commands().replicaofNoOne();
        await().atMost(Duration.ofSeconds(10)).until(() -> "master".equals(info("replication", "role")));
    }

    /** Waits until a replica's link to its master is up and the initial synchronisation is done. */
    public void awaitLinkUp() {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> "up".equals(info("replication", "master_link_status"))
                        && "0".equals(info("replication", "master_sync_in_progress")));
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
        resume();
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        stopServer();
    }
}
