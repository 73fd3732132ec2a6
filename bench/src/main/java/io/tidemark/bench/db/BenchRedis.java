package io.tidemark.bench.db;

import io.tidemark.pipeline.config.RedisDurability;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The embedded Redis servers of a bench run (the Redis 6.2 binary bundled with embedded-redis): a
 * master and one replica of it ({@code replicaof}) on free loopback ports, started once and shared
 * by every Redis phase, so that those phases differ only in the sink's {@code durability} and in
 * what that setting needs of the server ({@link #prepareFor}). Without persistence unless a phase
 * asks for {@code aof}; each server's files (and its unpacked binary) are in a folder of its own.
 */
public final class BenchRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BenchRedis.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final RedisServer master;
    private final RedisServer replica;
    private final int masterPort;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> masterConnection;
    private final StatefulRedisConnection<String, String> replicaConnection;

    private BenchRedis(RedisServer master, RedisServer replica, int masterPort, int replicaPort) {
        this.master = master;
        this.replica = replica;
        this.masterPort = masterPort;
        this.client = RedisClient.create();
        this.masterConnection = client.connect(RedisURI.create(HOST, masterPort));
        this.replicaConnection = client.connect(RedisURI.create(HOST, replicaPort));
    }

    /**
     * Starts the master and its replica under {@code directory}, and returns once the replica has
     * synchronised with the master.
     */
    public static BenchRedis start(Path directory) throws IOException, InterruptedException {
        int masterPort = freePort();
        RedisServer master = server("master", directory.resolve("redis-master"), masterPort, null);
        master.start();
        RedisServer replica = null;
        BenchRedis redis = null;
        try {
            int replicaPort = freePort();
            replica = server("replica", directory.resolve("redis-replica"), replicaPort,
                    "replicaof " + HOST + " " + masterPort);
            replica.start();
            redis = new BenchRedis(master, replica, masterPort, replicaPort);
            redis.awaitReplicaInSync();
            return redis;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (redis != null) {
                redis.close();
            } else {
                master.stop();
                if (replica != null) {
                    replica.stop();
                }
            }
            throw e;
        }
    }

    private static RedisServer server(String role, Path directory, int port, String extraSetting) throws IOException {
        Files.createDirectories(directory);
        var builder = RedisServer.newRedisServer()
                .executableProvider(ExecutableProvider.newJarResourceProvider(directory.toFile()))
                .bind(HOST)
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir \"" + directory.toAbsolutePath() + "\"")
                .soutListener(line -> LOG.debug("redis {}: {}", role, line))
                .serrListener(line -> LOG.warn("redis {}: {}", role, line));
        if (extraSetting != null) {
            builder.setting(extraSetting);
        }
        return builder.build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The master's address, as a sink's {@code uri} names it. */
    public String uri() {
        return "redis://" + HOST + ":" + masterPort;
    }

    /** The servers' version, e.g. {@code 6.2.6}. */
    public String version() {
        return info(masterConnection.sync(), "server", "redis_version");
    }

    /** The process ids of the master and the replica, for {@code CpuUsage}. */
    public List<Long> pids() {
        return List.of(Long.parseLong(info(masterConnection.sync(), "server", "process_id")),
                Long.parseLong(info(replicaConnection.sync(), "server", "process_id")));
    }

    /**
     * Empties both servers and sets the master up for a phase with {@code durability}: for {@code
     * aof} the append-only file with {@code appendfsync always} (what the sink requires of Redis
     * before 7.2, which has no {@code WAITAOF}), otherwise no append-only file. Returns once the
     * file's first rewrite is done and the replica has the flush.
     */
    public void prepareFor(RedisDurability durability) throws InterruptedException {
        RedisCommands<String, String> commands = masterConnection.sync();
        commands.flushall();
        if (durability instanceof RedisDurability.Aof) {
            commands.configSet("appendfsync", "always");
            commands.configSet("appendonly", "yes"); // rewrites the (empty) data set into a new file first
        } else {
            commands.configSet("appendonly", "no");
            commands.configSet("appendfsync", "everysec");
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!"0".equals(info(commands, "persistence", "aof_rewrite_in_progress"))
                || !"0".equals(info(commands, "persistence", "aof_rewrite_scheduled"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Redis did not finish rewriting its append-only file within " + TIMEOUT);
            }
            Thread.sleep(50);
        }
        long acknowledged = commands.waitForReplication(1, TIMEOUT.toMillis());
        if (acknowledged < 1) {
            throw new IllegalStateException("the Redis replica did not acknowledge the flush within " + TIMEOUT);
        }
        LOG.info("Redis emptied for durability {} (appendonly {}, appendfsync {})", durability,
                commands.configGet("appendonly").get("appendonly"), commands.configGet("appendfsync").get("appendfsync"));
    }

    private void awaitReplicaInSync() throws InterruptedException {
        RedisCommands<String, String> commands = replicaConnection.sync();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!"up".equals(info(commands, "replication", "master_link_status"))
                || !"0".equals(info(commands, "replication", "master_sync_in_progress"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Redis replica did not synchronise within " + TIMEOUT);
            }
            Thread.sleep(50);
        }
    }

    private static String info(RedisCommands<String, String> commands, String section, String field) {
        return commands.info(section).lines()
                .filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).trim())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("Redis INFO " + section + " has no " + field));
    }

    /** Stops the replica, then the master (each waits until its process has exited). */
    @Override
    public void close() throws IOException {
        try {
            replicaConnection.close();
            masterConnection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            try {
                replica.stop();
            } finally {
                master.stop();
            }
        }
    }
}
