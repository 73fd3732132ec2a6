package io.tidemark.cli.demo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The demo's embedded Redis server (the Redis 6.2 binary bundled with embedded-redis): the target of
 * the pipeline's second sink. Loopback only, no persistence; the binary is unpacked into a directory
 * of the demo's work dir, which is also the server's working directory, and deleted again on close.
 */
final class DemoRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoRedis.class);

    private final RedisServer server;
    private final Path directory;
    private final int port;

    private DemoRedis(RedisServer server, Path directory, int port) {
        this.server = server;
        this.directory = directory;
        this.port = port;
    }

    /** Starts a server on a free loopback port, with {@code directory} (created) as its working directory. */
    static DemoRedis start(Path directory) throws IOException {
        Files.createDirectories(directory);
        int port = freePort();
        RedisServer server = RedisServer.newRedisServer()
                .executableProvider(ExecutableProvider.newJarResourceProvider(directory.toFile()))
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir \"" + directory.toAbsolutePath() + "\"")
                .soutListener(line -> LOG.info("redis: {}", line))
                .serrListener(line -> LOG.warn("redis: {}", line))
                .build();
        DemoRedis redis = new DemoRedis(server, directory, port);
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            redis.close();
            throw e;
        }
        return redis;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** What the pipeline file's {@code uri} says. */
    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the server (and waits until its process has exited), then deletes its directory. */
    @Override
    public void close() throws IOException {
        server.stop();
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Override
    public String toString() {
        return "Redis 127.0.0.1:" + port;
    }
}
