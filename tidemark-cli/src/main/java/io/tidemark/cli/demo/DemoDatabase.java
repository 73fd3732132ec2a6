package io.tidemark.cli.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One embedded PostgreSQL server of the demo, with one database owned by the user the pipeline
 * connects as ({@value #USER}, with the REPLICATION attribute). The server asks that user for its
 * password, so the pipeline's {@code ${file:...}} secret is really used; the demo's own setup
 * connects as the superuser, which the server trusts on loopback.
 */
final class DemoDatabase implements AutoCloseable {

    static final String USER = "tidemark";

    private static final Logger LOG = LoggerFactory.getLogger(DemoDatabase.class);

    private static final String HBA = """
            # Written by tidemark demo. The superuser (the demo's own setup) is trusted on loopback;
            # every other user, including the pipeline's, must give its password.
            local   all          all                        trust
            host    all          postgres   127.0.0.1/32    trust
            host    all          postgres   ::1/128         trust
            host    all          all        127.0.0.1/32    scram-sha-256
            host    all          all        ::1/128         scram-sha-256
            host    replication  all        127.0.0.1/32    scram-sha-256
            host    replication  all        ::1/128         scram-sha-256
            """;

    private final EmbeddedPostgres server;
    private final Path dataDirectory;
    private final String database;
    private final String password;

    private DemoDatabase(EmbeddedPostgres server, Path dataDirectory, String database, String password) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.database = database;
        this.password = password;
    }

    /**
     * Starts a server whose data directory is {@code dataDirectory} (deleted again on close), then
     * creates the user and the database.
     */
    static DemoDatabase start(Path dataDirectory, String database, boolean logicalDecoding, String password)
            throws IOException, SQLException {
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false) // the demo stops its servers itself, in order
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("wal_level", logicalDecoding ? "logical" : "replica")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .setDataDirectoryCustomizer(DemoDatabase::requirePasswords)
                .start();
        DemoDatabase db = new DemoDatabase(server, dataDirectory, database, password);
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            // the password is random, alphanumeric, and this statement is not logged
            st.execute("CREATE ROLE " + USER + " LOGIN REPLICATION PASSWORD '" + password + "'");
            st.execute("CREATE DATABASE " + database + " OWNER " + USER);
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private static void requirePasswords(File dataDirectory) {
        try {
            Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), HBA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getPort();
    }

    String database() {
        return database;
    }

    /** Without credentials, as the pipeline file wants it. */
    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** A connection as the pipeline's user. */
    Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", password);
        props.setProperty("ApplicationName", "tidemark-demo");
        return DriverManager.getConnection(jdbcUrl(), props);
    }

    /**
     * Stops the server ({@code pg_ctl stop -m fast}) and deletes its data directory; if the
     * postmaster is still there afterwards, terminates it, so that no postgres process outlives
     * the demo.
     */
    @Override
    public void close() throws IOException {
        Optional<ProcessHandle> postmaster = postmaster();
        server.close();
        if (postmaster.isEmpty()) {
            return;
        }
        ProcessHandle process = postmaster.get();
        if (exited(process, Duration.ofSeconds(10))) {
            return;
        }
        LOG.warn("PostgreSQL {} did not stop with pg_ctl; terminating process {}", database, process.pid());
        process.destroy();
        if (!exited(process, Duration.ofSeconds(10))) {
            process.destroyForcibly();
        }
    }

    /** Waits until {@code process} is gone; its parent is pg_ctl's, not this JVM, so poll. */
    private static boolean exited(ProcessHandle process, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (process.isAlive()) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            }
        }
        return true;
    }

    /** The postmaster's process, from the first line of {@code postmaster.pid}. */
    private Optional<ProcessHandle> postmaster() {
        try {
            String pid = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip();
            return ProcessHandle.of(Long.parseLong(pid));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL 127.0.0.1:" + port() + "/" + database;
    }
}
