package io.tidemark.pipeline.config;

import java.util.Objects;

/** Sends the changes of one source table to one table of one sink. */
public record RouteDef(String sourceTable, String sink, String sinkTable) implements java.io.Serializable {

    public RouteDef {
        Objects.requireNonNull(sourceTable, "sourceTable cannot be null");
        Objects.requireNonNull(sink, "sink cannot be null");
        Objects.requireNonNull(sinkTable, "sinkTable cannot be null");
    }
}
