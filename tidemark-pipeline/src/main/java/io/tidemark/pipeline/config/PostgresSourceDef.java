package io.tidemark.pipeline.config;

import java.util.List;
import java.util.Objects;

/** A PostgreSQL logical-replication source ({@code source.type: postgres}). */
public record PostgresSourceDef(
        String hostname,
        int port,
        String database,
        String username,
        Secret password,
        List<String> tables,
        String slotName,
        String publicationName,
        int snapshotChunkSize,
        StartupMode startupMode,
        TruncateHandling truncate)
        implements SourceDef {

    public PostgresSourceDef {
        Objects.requireNonNull(hostname, "hostname cannot be null");
        Objects.requireNonNull(database, "database cannot be null");
        Objects.requireNonNull(username, "username cannot be null");
        Objects.requireNonNull(password, "password cannot be null");
        tables = List.copyOf(tables);
        Objects.requireNonNull(slotName, "slotName cannot be null");
        Objects.requireNonNull(publicationName, "publicationName cannot be null");
        Objects.requireNonNull(startupMode, "startupMode cannot be null");
        Objects.requireNonNull(truncate, "truncate cannot be null");
    }

    /** A source that applies truncates (the default). */
    public PostgresSourceDef(String hostname, int port, String database, String username, Secret password,
            List<String> tables, String slotName, String publicationName, int snapshotChunkSize,
            StartupMode startupMode) {
        this(hostname, port, database, username, password, tables, slotName, publicationName, snapshotChunkSize,
                startupMode, TruncateHandling.APPLY);
    }
}
