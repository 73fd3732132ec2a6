package io.tidemark.pipeline.config;

import java.util.List;

/** Where changes come from; closed so that each source type is handled explicitly. */
public sealed interface SourceDef extends java.io.Serializable permits PostgresSourceDef, MySqlSourceDef {

    /** Captured tables, each as {@code schema.table}. */
    List<String> tables();
}
