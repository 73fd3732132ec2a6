package io.tidemark.pipeline.config;

import java.util.List;
import java.util.Objects;

/**
 * A whole pipeline as read from {@code pipeline.yaml}, with every default applied; the single input of
 * job composition.
 *
 * <p>{@link #routes()} is always complete: every source table has at least one route.
 */
public record PipelineDef(
        String name,
        int parallelism,
        SourceDef source,
        List<SinkDef> sinks,
        List<RouteDef> routes,
        CheckpointingDef checkpointing,
        DeadLetterQueueDef deadLetterQueue) implements java.io.Serializable {

    /** A pipeline with the default dead-letter queue (a table in each JDBC sink's database). */
    public PipelineDef(
            String name,
            int parallelism,
            SourceDef source,
            List<SinkDef> sinks,
            List<RouteDef> routes,
            CheckpointingDef checkpointing) {
        this(name, parallelism, source, sinks, routes, checkpointing, DeadLetterQueueDef.defaults());
    }

    public PipelineDef {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(source, "source cannot be null");
        sinks = List.copyOf(sinks);
        routes = List.copyOf(routes);
        Objects.requireNonNull(checkpointing, "checkpointing cannot be null");
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue cannot be null");
    }
}
