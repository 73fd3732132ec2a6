package io.tidemark.bench.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one embedded PostgreSQL server of a bench run: logical decoding on and durability off, so
 * that every phase (source and sink side alike) runs against the same server with the same
 * settings. Each phase gets fresh databases from {@link #createDatabase(String)}.
 */
public final class BenchPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final EmbeddedPostgres server;
    private final AtomicInteger databases = new AtomicInteger();
    private final long postmasterPid;

    private BenchPostgres(EmbeddedPostgres server) throws SQLException {
        this.server = server;
        try (Connection c = connect("postgres"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            // read while the connection is open: the backend process exits with it
            this.postmasterPid = parentOf(rs.getLong(1));
        }
    }

    /** The server's postmaster (whose children are all of its processes), or -1 if unknown. */
    public long postmasterPid() {
        return postmasterPid;
    }

    private static long parentOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("PPid:")) {
                    return Long.parseLong(line.substring(5).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: CPU use of PostgreSQL is then not reported
        }
        return -1;
    }

    /**
     * Starts the server. {@code fsync}, {@code synchronous_commit} and {@code full_page_writes}
     * are off and {@code max_wal_size} is large: a bench measures the pipeline, not the disk, and
     * every phase shares these settings.
     */
    public static BenchPostgres start() throws IOException, SQLException {
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "20")
                .setServerConfig("max_wal_senders", "20")
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("shared_buffers", "512MB")
                .setServerConfig("max_wal_size", "8GB")
                .setServerConfig("checkpoint_timeout", "30min")
                // no autovacuum starting at a random point of a measured window: with it, one snapshot run in
                // three was 25-30 % slower than the others; the phases vacuum their source tables themselves
                .setServerConfig("autovacuum", "off")
                .setServerConfig("wal_sender_timeout", "5min")
                .start();
        try {
            return new BenchPostgres(server);
        } catch (SQLException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public int port() {
        return server.getPort();
    }

    public String host() {
        return "127.0.0.1";
    }

    /** A JDBC URL without credentials (safe to log). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Creates a fresh database named {@code prefix_N}. */
    public String createDatabase(String prefix) throws SQLException {
        String name = prefix + "_" + databases.incrementAndGet();
        execute("postgres", "CREATE DATABASE " + name);
        return name;
    }

    public Connection connect(String database) throws SQLException {
        return connect(database, new Properties());
    }

    public Connection connect(String database, Properties extra) throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    public void execute(String database, String... statements) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    public String queryString(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Drops a replication slot, waiting briefly for a just-stopped job to release it. */
    public void dropSlotQuietly(String database, String slot) {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                execute(database, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = '" + slot + "'");
                return;
            } catch (SQLException e) {
                try {
                    Thread.sleep(200); // the walsender of a cancelled job is still shutting down
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Drops a database a finished run left, to keep the disk free (a million-row snapshot fills hundreds of MB). */
    public void dropDatabaseQuietly(String database) {
        try {
            execute("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            // kept: the server and its data folder go away with the bench
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
