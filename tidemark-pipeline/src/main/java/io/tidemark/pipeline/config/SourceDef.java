package io.tidemark.pipeline.config;

import java.util.List;

/** Where changes come from; closed so that each source type is handled explicitly (MySQL will follow). */
public sealed interface SourceDef extends java.io.Serializable permits PostgresSourceDef {

    /** Captured tables, each as {@code schema.table}. */
    List<String> tables();
}
