package io.tidemark.bench.db;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MariaDB server of a bench run that has MariaDB phases: Debian's {@code mariadbd}, set up by
 * {@code mariadb-install-db} in a folder of the work folder and started on a free loopback port
 * with a binary log in ROW format with full row images (what a binlog CDC source needs). Like the
 * bench's PostgreSQL it runs without durability (no flush of the InnoDB log or the binary log per
 * commit), with a buffer pool large enough to keep the bench's tables in memory: the bench measures
 * the pipeline, not the disk. Each phase gets fresh databases from {@link #createDatabase(String)}.
 */
public final class BenchMariaDb implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BenchMariaDb.class);

    public static final String USER = "tidemark";
    public static final String PASSWORD = "tidemark";
    private static final String HOST = "127.0.0.1";

    private final Process process;
    private final int port;
    private final Path directory;
    private final AtomicInteger databases = new AtomicInteger();

    private BenchMariaDb(Process process, int port, Path directory) {
        this.process = process;
        this.port = port;
        this.directory = directory;
    }

    /** Initialises a data directory under {@code workDir} and starts the server; returns once it accepts logins. */
    public static BenchMariaDb start(Path workDir) throws IOException, InterruptedException {
        Path directory = Files.createDirectories(workDir.resolve("mariadb"));
        Path data = directory.resolve("data");
        Path init = directory.resolve("init.sql");
        Files.writeString(init, "CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "';\n"
                + "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%';\n");
        Process install = new ProcessBuilder(List.of("mariadb-install-db", "--no-defaults", "--user=root",
                        "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"))
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("install.log").toFile())
                .start();
        if (!install.waitFor(120, TimeUnit.SECONDS) || install.exitValue() != 0) {
            install.destroyForcibly();
            throw new IOException("mariadb-install-db failed; see " + directory.resolve("install.log")
                    + " (the MariaDB phases need Debian's mariadb-server)");
        }
        int port = freePort();
        List<String> command = List.of("mariadbd", "--no-defaults", "--user=root",
                "--datadir=" + data, "--port=" + port, "--bind-address=" + HOST,
                "--socket=" + directory.resolve("mysqld.sock"), "--server-id=1", "--init-file=" + init,
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                // TIMESTAMP columns are read and written in UTC on every side, whatever the machine's zone
                "--default-time-zone=+00:00",
                "--log-bin=" + directory.resolve("binlog"), "--binlog-format=ROW", "--binlog-row-image=FULL",
                "--max-binlog-size=1G", "--sync-binlog=0",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
                "--innodb-buffer-pool-size=512M", "--innodb-log-file-size=512M",
                "--max-connections=500");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("mariadb.log").toFile()))
                .start();
        BenchMariaDb server = new BenchMariaDb(process, port, directory);
        try {
            server.awaitUp();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitUp() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection ignored = connect("")) {
                return;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("MariaDB did not start; see " + directory.resolve("mariadb.log"), e);
                }
                Thread.sleep(100);
            }
        }
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** The server process, for its CPU use. */
    public long pid() {
        return process.pid();
    }

    /** A JDBC URL without credentials (safe to log). */
    public String jdbcUrl(String database) {
        return "jdbc:mysql://" + HOST + ":" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return connect(database, new Properties());
    }

    public Connection connect(String database, Properties extra) throws SQLException {
        Properties props = new Properties();
        props.setProperty("useSSL", "false");
        props.setProperty("allowPublicKeyRetrieval", "true");
        props.putAll(extra);
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** Creates a fresh database named {@code prefix_N}. */
    public String createDatabase(String prefix) throws SQLException {
        String name = prefix + "_" + databases.incrementAndGet();
        execute("", "CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
        return name;
    }

    public void execute(String database, String... statements) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    public String version() throws SQLException {
        try (Connection c = connect(""); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT VERSION()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Removes the binary logs written so far: every phase's changes are read by then, and they take disk space. */
    public void purgeBinaryLogs() {
        try {
            execute("", "FLUSH BINARY LOGS", "PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 SECOND");
        } catch (SQLException e) {
            LOG.warn("Could not purge MariaDB's binary logs: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
