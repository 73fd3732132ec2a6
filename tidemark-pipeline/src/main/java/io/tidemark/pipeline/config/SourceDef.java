package io.tidemark.pipeline.config;

import java.util.List;

/** Where changes come from; closed so that each source type is handled explicitly. */
public sealed interface SourceDef extends java.io.Serializable permits PostgresSourceDef, MySqlSourceDef {

    /** Captured tables, each in the written form of {@link io.tidemark.pipeline.event.TableId}. */
    List<String> tables();
}
