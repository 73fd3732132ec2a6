package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import redis.embedded.Redis;
import redis.embedded.RedisShardedCluster;
import redis.embedded.core.RedisServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis Cluster for tests (embedded-redis's {@link RedisShardedCluster}, Redis 6.2): a few
 * masters with replicas on free loopback ports, without persistence, in a directory of its own so
 * that no node reads an earlier run's {@code nodes.conf}; its node timeout is shortened to one
 * second so that a failover takes seconds. Plus a cluster connection and direct node connections
 * for assertions, and ways to kill a node or freeze it (SIGSTOP).
 */
final class EmbeddedRedisCluster implements AutoCloseable {

    /** Redis listens for the cluster bus on the client port + 10000. */
    private static final int BUS_PORT_OFFSET = 10_000;
    private static final String HOST = "127.0.0.1";

    private final RedisShardedCluster cluster;
    private final List<Integer> ports;
    private final Path dir;
    private final Map<Integer, Redis> servers = new LinkedHashMap<>();
    private final Map<Integer, RedisClient> nodeClients = new LinkedHashMap<>();
    private final Map<Integer, StatefulRedisConnection<String, String>> nodeConnections = new LinkedHashMap<>();
    private RedisClusterClient client;
    private StatefulRedisClusterConnection<String, String> connection;

    private EmbeddedRedisCluster(RedisShardedCluster cluster, List<Integer> ports, Path dir) {
        this.cluster = cluster;
        this.ports = ports;
        this.dir = dir;
        List<Redis> started = cluster.servers();
        for (int i = 0; i < ports.size(); i++) {
            servers.put(ports.get(i), started.get(i));
        }
    }

    /** Starts {@code masters} masters with {@code replicasPerMaster} replicas each; slots are split evenly. */
    static EmbeddedRedisCluster start(int masters, int replicasPerMaster) throws IOException {
        List<Integer> ports = freePorts(masters * (1 + replicasPerMaster));
        Path dir = Files.createTempDirectory("tidemark-redis-cluster");
        // settings accumulate in the server builder; the cluster builder adds its own after these
        var builder = RedisShardedCluster.newRedisCluster()
                .withServerBuilder(new RedisServerBuilder()
                        .setting("dir " + dir)
                        .setting("save \"\""))
                .serverPorts(ports)
                .initializationTimeout(Duration.ofSeconds(30));
        for (int i = 0; i < masters; i++) {
            builder.shard("shard-" + i, replicasPerMaster); // takes the next ports: a master, then its replicas
        }
        RedisShardedCluster cluster = builder.build();
        cluster.start(); // stops its servers itself if the cluster cannot be formed
        EmbeddedRedisCluster embedded = new EmbeddedRedisCluster(cluster, ports, dir);
        try {
            for (int port : ports) {
                embedded.node(port).configSet("cluster-node-timeout", "1000");
            }
            embedded.client = RedisClusterClient.create(embedded.uri());
            embedded.connection = embedded.client.connect();
            embedded.awaitHealthy();
        } catch (RuntimeException e) {
            embedded.close();
            throw e;
        }
        return embedded;
    }

    /** Ports that are free on loopback together with their cluster bus ports. */
    private static List<Integer> freePorts(int count) throws IOException {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < count) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (!ports.contains(port) && isFree(port) && isFree(port + BUS_PORT_OFFSET)) {
                ports.add(port);
            }
        }
        return ports;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Every node as a seed: {@code redis://127.0.0.1:p1,127.0.0.1:p2,…}. */
    String uri() {
        return "redis://" + ports.stream().map(port -> HOST + ":" + port).collect(Collectors.joining(","));
    }

    /** Cluster-wide commands for assertions (routed by key; FLUSHALL and KEYS go to every master). */
    RedisAdvancedClusterCommands<String, String> commands() {
        return connection.sync();
    }

    /** Direct commands to the node on {@code port}. */
    RedisCommands<String, String> node(int port) {
        return nodeConnections.computeIfAbsent(port, p -> {
            RedisClient nodeClient = RedisClient.create("redis://" + HOST + ":" + p);
            nodeClients.put(p, nodeClient);
            return nodeClient.connect();
        }).sync();
    }

    /**
     * Ports of the masters that own slots, as the first live node sees them (a dead node's view is
     * not asked).
     */
    List<Integer> masterPorts() {
        List<Integer> masters = new ArrayList<>();
        for (String line : liveNode().clusterNodes().split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length > 8 && fields[2].contains("master") && !fields[2].contains("fail")) {
                String address = fields[1];
                masters.add(Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@'))));
            }
        }
        return masters;
    }

    /** The port of the master owning {@code key}'s slot. */
    int masterOf(String key) {
        int slot = (int) (long) liveNode().clusterKeyslot(key);
        for (String line : liveNode().clusterNodes().split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields[2].contains("master") && !fields[2].contains("fail")) {
                for (int i = 8; i < fields.length; i++) {
                    String[] range = fields[i].split("-");
                    int first = Integer.parseInt(range[0]);
                    int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
                    if (slot >= first && slot <= last) {
                        String address = fields[1];
                        return Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
                    }
                }
            }
        }
        throw new IllegalStateException("no master owns slot " + slot);
    }

    /** The port of the replica of the master on {@code masterPort}. */
    int replicaOf(int masterPort) {
        String masterId = node(masterPort).clusterMyId();
        for (String line : liveNode().clusterNodes().split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length > 3 && fields[2].contains("slave") && fields[3].equals(masterId)) {
                String address = fields[1];
                return Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
            }
        }
        throw new IllegalStateException("the master on port " + masterPort + " has no replica");
    }

    /** Freezes the node on {@code port} with SIGSTOP: its links stay open, it answers nothing. */
    void pauseNode(int port) throws IOException {
        signal(port, "-STOP");
    }

    /** Lets a paused node run again (SIGCONT). */
    void resumeNode(int port) throws IOException {
        signal(port, "-CONT");
    }

    private final Map<Integer, String> pids = new LinkedHashMap<>();

    private void signal(int port, String signal) throws IOException {
        String pid = pids.computeIfAbsent(port, p -> node(p).info("server").lines()
                .filter(line -> line.startsWith("process_id:"))
                .map(line -> line.substring("process_id:".length()).trim())
                .findFirst().orElseThrow());
        try {
            Process kill = new ProcessBuilder("kill", signal, pid).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IOException("kill " + signal + " " + pid + " exited with " + kill.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling Redis", e);
        }
    }

    /** Kills the node on {@code port}; its replica takes over after the node timeout. */
    void stopNode(int port) throws IOException {
        StatefulRedisConnection<String, String> nodeConnection = nodeConnections.remove(port);
        if (nodeConnection != null) {
            nodeConnection.close();
        }
        servers.get(port).stop();
    }

    /** Waits until every live node reports cluster_state:ok and the test client knows the topology, roles settled. */
    void awaitHealthy() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            for (Map.Entry<Integer, Redis> server : servers.entrySet()) {
                if (server.getValue().isActive() && !node(server.getKey()).clusterInfo().contains("cluster_state:ok")) {
                    return false;
                }
            }
            client.refreshPartitions();
            // a node that cluster_state:ok already counts may still be turning from master into replica;
            // the client must not route writes (FLUSHALL in a test's setup) to it
            for (io.lettuce.core.cluster.models.partitions.RedisClusterNode known : client.getPartitions()) {
                Redis server = servers.get(known.getUri().getPort());
                if (server != null && server.isActive()
                        && known.is(io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag.UPSTREAM)
                        && !"master".equals(String.valueOf(node(known.getUri().getPort()).role().get(0)))) {
                    return false;
                }
            }
            return true;
        });
    }

    private RedisCommands<String, String> liveNode() {
        for (Map.Entry<Integer, Redis> server : servers.entrySet()) {
            if (server.getValue().isActive()) {
                return node(server.getKey());
            }
        }
        throw new IllegalStateException("no node is running");
    }

    @Override
    public void close() {
        nodeConnections.values().forEach(StatefulRedisConnection::close);
        nodeClients.values().forEach(RedisClient::shutdown);
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        try {
            cluster.stop();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file); // the nodes' nodes-*.conf
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
