package io.tidemark.pipeline.config;

import io.tidemark.pipeline.event.TableId;

import java.util.List;
import java.util.Objects;

/** A MySQL or MariaDB binlog source ({@code source.type: mysql}). */
public record MySqlSourceDef(
        String hostname,
        int port,
        String username,
        Secret password,
        List<String> tables,
        String serverIds,
        String serverTimeZone,
        int snapshotChunkSize,
        StartupMode startupMode,
        TruncateHandling truncate,
        MySqlTls tls)
        implements SourceDef {

    public MySqlSourceDef {
        Objects.requireNonNull(hostname, "hostname cannot be null");
        Objects.requireNonNull(username, "username cannot be null");
        Objects.requireNonNull(password, "password cannot be null");
        tables = List.copyOf(tables);
        Objects.requireNonNull(serverIds, "serverIds cannot be null");
        Objects.requireNonNull(serverTimeZone, "serverTimeZone cannot be null");
        Objects.requireNonNull(startupMode, "startupMode cannot be null");
        Objects.requireNonNull(truncate, "truncate cannot be null");
        Objects.requireNonNull(tls, "tls cannot be null");
    }

    /** A source with TLS where the server offers it (the default). */
    public MySqlSourceDef(String hostname, int port, String username, Secret password, List<String> tables,
            String serverIds, String serverTimeZone, int snapshotChunkSize, StartupMode startupMode,
            TruncateHandling truncate) {
        this(hostname, port, username, password, tables, serverIds, serverTimeZone, snapshotChunkSize, startupMode,
                truncate, MySqlTls.PREFERRED);
    }

    /** A source that applies truncates, with TLS where the server offers it (the defaults). */
    public MySqlSourceDef(String hostname, int port, String username, Secret password, List<String> tables,
            String serverIds, String serverTimeZone, int snapshotChunkSize, StartupMode startupMode) {
        this(hostname, port, username, password, tables, serverIds, serverTimeZone, snapshotChunkSize, startupMode,
                TruncateHandling.APPLY);
    }

    /** The databases that hold the captured tables. */
    public List<String> databases() {
        return tables.stream().map(t -> TableId.parse(t).schema()).distinct().toList();
    }
}
