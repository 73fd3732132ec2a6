package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisSinkOptions;
import io.tidemark.pipeline.config.Secret;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.protocol.RedisCommand;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Creates Lettuce clients for one sink. Reconnecting is left to the sink's own retry loop (no
 * automatic reconnect, commands rejected while disconnected), so that a lost connection surfaces
 * as an error that is retried with backoff and counted, instead of commands queueing silently.
 * Public so that a reader of the sink's keys (e.g. {@code tidemark demo}'s reconciliation) connects
 * the same way.
 */
public final class RedisConnector implements Serializable {

    private static final long serialVersionUID = 1L;

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How often a cluster client re-reads the topology even when nothing went wrong. */
    static final Duration TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);
    /** Least time between two refreshes triggered by MOVED, ASK, an unknown node or an uncovered slot. */
    static final Duration ADAPTIVE_REFRESH_PAUSE = Duration.ofSeconds(5);

    private final RedisSinkMode mode;
    private final String uri;
    private final Secret password;
    /** How long a WAIT or WAITAOF may block on the server; its reply is awaited that much longer. */
    private final Duration durabilityTimeout;

    RedisConnector(String uri, Secret password) {
        this(RedisSinkMode.STANDALONE, uri, password);
    }

    RedisConnector(RedisSinkMode mode, String uri, Secret password) {
        this(mode, uri, password, RedisSinkOptions.DURABILITY_TIMEOUT.defaultValue());
    }

    RedisConnector(RedisSinkMode mode, String uri, Secret password, Duration durabilityTimeout) {
        this.mode = mode;
        this.uri = uri;
        this.password = password;
        this.durabilityTimeout = durabilityTimeout;
    }

    public static RedisConnector of(RedisSinkDef def) {
        return new RedisConnector(def.mode(), def.uri(), def.password(), def.durabilityTimeout());
    }

    RedisSinkMode mode() {
        return mode;
    }

    /** A client of the configured mode, for one sink writer or one check. */
    RedisSinkClient<?> createSinkClient() {
        return mode == RedisSinkMode.CLUSTER
                ? new ClusterRedisSinkClient(createClusterClient())
                : new StandaloneRedisSinkClient(createClient(), uri);
    }

    /** The URI without credentials, for messages and logs. */
    public String uri() {
        return uri;
    }

    public RedisClient createClient() {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(COMMAND_TIMEOUT);
        if (password != null) {
            redisUri.setPassword(password.resolve().toCharArray());
        }
        RedisClient client = RedisClient.create(redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .timeoutOptions(timeouts(durabilityTimeout))
                .build());
        return client;
    }

    /**
     * {@link #COMMAND_TIMEOUT} for every command, plus the durability timeout for {@code WAIT} and
     * {@code WAITAOF}, which the server holds for up to that long by design.
     */
    private static TimeoutOptions timeouts(Duration durabilityTimeout) {
        long commandMillis = COMMAND_TIMEOUT.toMillis();
        long waitMillis = commandMillis + durabilityTimeout.toMillis();
        return TimeoutOptions.builder()
                .timeoutCommands()
                .timeoutSource(new TimeoutOptions.TimeoutSource() {
                    @Override
                    public long getTimeout(RedisCommand<?, ?, ?> command) {
                        return DurabilityWait.isWait(command.getType()) ? waitMillis : commandMillis;
                    }
                })
                .build();
    }

    /** How long the sink waits for the reply to a WAIT or WAITAOF. */
    Duration waitReplyTimeout() {
        return COMMAND_TIMEOUT.plus(durabilityTimeout);
    }

    /**
     * A cluster client seeded with every host of the URI, whose node connections, like the
     * standalone one, neither reconnect by themselves nor queue commands. Nodes flagged as failed, suspected, still
     * joining or without address are left out of the topology, so that their slots fail fast (and
     * are retried) instead of waiting for a connection to a dead node.
     */
    public RedisClusterClient createClusterClient() {
        List<RedisURI> seeds = RedisClusterURIUtil.toRedisURIs(URI.create(uri));
        for (RedisURI seed : seeds) {
            seed.setTimeout(COMMAND_TIMEOUT);
            if (password != null) {
                seed.setPassword(password.resolve().toCharArray());
            }
        }
        RedisClusterClient client = RedisClusterClient.create(seeds);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .timeoutOptions(timeouts(durabilityTimeout))
                .nodeFilter(RedisConnector::isUsable)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_REFRESH_PERIOD)
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_PAUSE)
                        .build())
                .build());
        return client;
    }

    private static boolean isUsable(RedisClusterNode node) {
        return !(node.is(NodeFlag.FAIL) || node.is(NodeFlag.EVENTUAL_FAIL) || node.is(NodeFlag.HANDSHAKE)
                || node.is(NodeFlag.NOADDR));
    }
}
