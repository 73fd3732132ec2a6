package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.Secret;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;

import java.io.Serializable;
import java.time.Duration;

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

    private final String uri;
    private final Secret password;

    RedisConnector(String uri, Secret password) {
        this.uri = uri;
        this.password = password;
    }

    public static RedisConnector of(RedisSinkDef def) {
        return new RedisConnector(def.uri(), def.password());
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
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        return client;
    }
}
