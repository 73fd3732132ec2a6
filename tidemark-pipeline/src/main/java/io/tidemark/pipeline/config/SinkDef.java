package io.tidemark.pipeline.config;

/** Where changes go; closed so that each sink type is handled explicitly. */
public sealed interface SinkDef extends java.io.Serializable permits JdbcSinkDef, RedisSinkDef {

    /** Unique name, referenced by {@link RouteDef#sink()}. */
    String name();
}
