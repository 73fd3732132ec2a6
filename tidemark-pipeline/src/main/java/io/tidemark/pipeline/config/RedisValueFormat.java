package io.tidemark.pipeline.config;

/** How a Redis sink stores a row: a hash with one field per column, or one JSON string. */
public enum RedisValueFormat {
    HASH,
    JSON;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
