package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The sink's client for a Redis Cluster ({@code mode: cluster}). Lettuce routes each script call
 * by its first key's slot (the row and its delete marker share it) and follows MOVED and ASK
 * redirects; the topology is refreshed periodically, on Lettuce's adaptive triggers, and before the
 * attempt that follows any transient error, so a failover or a resharding is followed.
 */
final class ClusterRedisSinkClient extends RedisSinkClient<StatefulRedisClusterConnection<String, String>> {

    private final RedisClusterClient client;
    private boolean refreshTopology;

    ClusterRedisSinkClient(RedisClusterClient client) {
        super(client);
        this.client = client;
    }

    @Override
    void beforeConnect() {
        if (refreshTopology) {
            client.refreshPartitions(); // throws while no node answers: the attempt fails and is retried
            refreshTopology = false;
        }
    }

    @Override
    StatefulRedisClusterConnection<String, String> open() {
        return client.connect();
    }

    @Override
    RedisClusterAsyncCommands<String, String> commands(StatefulRedisClusterConnection<String, String> connection) {
        return connection.async();
    }

    /**
     * Loads the script on every master that owns slots, each through its own node connection. This
     * also opens those connections before the batch is sent, so that the batch's commands are
     * written to open connections and go out with the next flush.
     */
    @Override
    List<RedisFuture<String>> loadScript(String source) {
        connect();
        List<RedisFuture<String>> loads = new ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
                StatefulRedisConnection<String, String> nodeConnection = connection.getConnection(node.getNodeId());
                loads.add(nodeConnection.async().scriptLoad(source));
                nodeConnection.flushCommands();
            }
        }
        if (loads.isEmpty()) {
            throw new RedisException("no master owning slots in the cluster topology");
        }
        return loads;
    }

    /**
     * Every master that owns slots, each through the connection Lettuce routes that master's writes
     * through (keyed by host and port, as slot routing and redirects key it; a connection asked for
     * by node id would be another one, and {@code WAIT} there would cover none of the writes).
     */
    @Override
    List<Master> masters() {
        connect();
        List<Master> masters = new ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
                RedisURI uri = node.getUri();
                StatefulRedisConnection<String, String> writes = connection.getConnection(uri.getHost(), uri.getPort());
                masters.add(new Master(address(uri), writes.async(), node.getSlots().get(0)));
            }
        }
        if (masters.isEmpty()) {
            throw new RedisException("no master owning slots in the cluster topology");
        }
        return masters;
    }

    @Override
    String masterOf(String key) {
        RedisClusterNode master = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
        return master == null ? "" : address(master.getUri());
    }

    private static String address(RedisURI uri) {
        return uri.getHost() + ":" + uri.getPort();
    }

    @Override
    Optional<String> checkMasters(Function<RedisCommands<String, String>, Optional<String>> check) {
        try (StatefulRedisClusterConnection<String, String> checking = client.connect()) {
            for (RedisClusterNode node : checking.getPartitions()) {
                if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
                    Optional<String> problem = check.apply(checking.getConnection(node.getNodeId()).sync());
                    if (problem.isPresent()) {
                        return Optional.of("master " + address(node.getUri()) + ": " + problem.get());
                    }
                }
            }
        }
        return Optional.empty();
    }

    @Override
    void topologyMayHaveChanged() {
        refreshTopology = true;
    }

    /** Connecting reads the topology from a seed node; then the cluster must report itself healthy. */
    @Override
    void check() {
        try (StatefulRedisClusterConnection<String, String> check = client.connect()) {
            check.sync().ping();
            String state = clusterState(check.sync().clusterInfo());
            if (!"ok".equals(state)) {
                throw new RedisException("cluster_state is " + state + " (CLUSTER INFO)");
            }
        }
    }

    private static String clusterState(String clusterInfo) {
        return clusterInfo.lines()
                .filter(line -> line.startsWith("cluster_state:"))
                .map(line -> line.substring("cluster_state:".length()).trim())
                .findFirst()
                .orElse("unknown");
    }
}
