package io.tidemark.pipeline.config;

/**
 * Which Lettuce client a Redis sink uses: one server at one address, or a Redis Cluster whose nodes
 * are discovered from seed nodes (see {@code docs/redis-sink.md}).
 */
public enum RedisSinkMode {
    STANDALONE,
    CLUSTER;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
