package io.tidemark.pipeline.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL server of a test's own (logical decoding on) that can be stopped and started again
 * on the same port with the same data directory, as a database outage or a server restart would:
 * its tables, replication slots and WAL survive. The shared server of {@link PostgresTestBase} must
 * never go down under other tests; this one may.
 */
public final class RestartablePostgres implements AutoCloseable {

    private final int port;
    private final Path data;
    private EmbeddedPostgres server;

    private RestartablePostgres(int port, Path data) {
        this.port = port;
        this.data = data;
    }

    /** Starts a server on a free loopback port with its data in {@code dir} (created if missing). */
    public static RestartablePostgres start(Path dir) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RestartablePostgres postgres = new RestartablePostgres(port, Files.createDirectories(dir));
        postgres.startServer();
        return postgres;
    }

    /** Starts the server (again), with the data it held when it stopped. */
    public synchronized void startServer() throws IOException {
        if (server == null) {
            server = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "64")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
        }
    }

    /**
     * Stops the server ({@code pg_ctl stop}, fast mode: connections are closed, nothing is lost) and
     * waits until it is gone: {@code pg_ctl} gives up after 5 s, and a server with replication
     * connections may take longer (it sends its walsenders the last WAL first).
     */
    public synchronized void stopServer() throws IOException {
        if (server != null) {
            server.close();
            server = null;
            Path pidFile = data.resolve("postmaster.pid");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (Files.exists(pidFile)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(this + " did not stop in 60 s");
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while " + this + " stopped", e);
                }
            }
        }
    }

    /** Stops the server and starts it again. */
    public void restart() throws IOException {
        stopServer();
        startServer();
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", "postgres");
    }

    /** Creates database {@code name} and runs {@code src/test/resources/ddl/<ddl>.sql} in it, for each ddl given. */
    public String createDatabase(String name, String... ddl) {
        execute("postgres", "CREATE DATABASE " + name);
        for (String script : ddl) {
            execute(name, DdlScripts.statements(script));
        }
        return name;
    }

    public void execute(String database, String... statements) {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The first column of the first row of {@code sql}, as a number. */
    public long count(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first column of every row of {@code sql}, as text. */
    public List<String> column(String database, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    @Override
    public void close() throws IOException {
        stopServer();
    }

    @Override
    public String toString() {
        return "PostgreSQL on 127.0.0.1:" + port + " (" + data + ")";
    }
}
