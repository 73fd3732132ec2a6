package io.tidemark.pipeline.testing;

import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one embedded PostgreSQL server (logical decoding on) for the whole test JVM and gives each
 * test its own source and sink databases, so tests never share replication slots or tables.
 */
public abstract class PostgresTestBase {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    protected static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("wal_level", "logical")
                        .setServerConfig("max_replication_slots", "200")
                        .setServerConfig("max_wal_senders", "40")
                        .setServerConfig("max_connections", "300")
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            EmbeddedPostgres started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }));
        }
        return server;
    }

    protected static int port() {
        return server().getPort();
    }

    protected static String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** Creates a fresh database named {@code prefix_N}. */
    protected static String createDatabase(String prefix) {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        execute("postgres", "CREATE DATABASE " + name);
        return name;
    }

    protected static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", "postgres");
    }

    protected static void execute(String database, String... statements) {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Makes the server require a SCRAM password from {@code roles} on loopback, on normal and
     * replication connections (it trusts loopback otherwise, so a wrong password would pass), until
     * the returned handle is closed, which puts {@code pg_hba.conf} back as it was. The roles must
     * have passwords.
     */
    protected static AutoCloseable requirePasswords(String... roles) throws IOException {
        java.nio.file.Path hba = java.nio.file.Path.of(single("postgres", "SHOW hba_file"));
        String before = java.nio.file.Files.readString(hba);
        StringBuilder rules = new StringBuilder("# PostgresTestBase.requirePasswords\n");
        for (String address : List.of("127.0.0.1/32", "::1/128")) {
            for (String database : List.of("all", "replication")) {
                rules.append("host ").append(database).append(' ').append(String.join(",", roles)).append(' ')
                        .append(address).append(" scram-sha-256\n");
            }
        }
        java.nio.file.Files.writeString(hba, rules + before);
        execute("postgres", "SELECT pg_reload_conf()");
        return () -> {
            java.nio.file.Files.writeString(hba, before);
            execute("postgres", "SELECT pg_reload_conf()");
        };
    }

    private static String single(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Runs {@code src/test/resources/ddl/<name>.sql} (statements separated by ";;" lines or ";\n"). */
    protected static void runDdl(String database, String name) {
        execute(database, DdlScripts.statements(name));
    }

    protected static long count(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Each row of {@code SELECT columns FROM table ORDER BY orderBy} as JSON text. */
    protected static List<String> rows(String database, String table, String columns, String orderBy)
            throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(database);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT row_to_json(x)::text FROM (SELECT " + columns + " FROM "
                        + table + " ORDER BY " + orderBy + ") x")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /** A pipeline from {@code sourceDb} to {@code sinkDb} with the same table names on both sides. */
    protected static PipelineDef pipeline(
            String name, String sourceDb, String sinkDb, List<String> tables, Path checkpoints, int parallelism) {
        String slot = name.replace('-', '_');
        PostgresSourceDef source = new PostgresSourceDef(
                "127.0.0.1", port(), sourceDb, "postgres", Secret.literal("postgres"),
                tables, slot, slot, 1000, StartupMode.INITIAL);
        JdbcSinkDef sink = new JdbcSinkDef(
                "warehouse", jdbcUrl(sinkDb), "postgres", Secret.literal("postgres"),
                2000, Duration.ofMillis(100), 2, Duration.ofDays(7), 3);
        List<RouteDef> routes = tables.stream().map(t -> new RouteDef(t, "warehouse", t)).toList();
        CheckpointingDef checkpointing = new CheckpointingDef(
                Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(200),
                ExternalizedRetention.RETAIN_ON_CANCELLATION,
                checkpoints.resolve("checkpoints").toUri().toString(),
                checkpoints.resolve("savepoints").toUri().toString());
        return new PipelineDef(name, parallelism, source, List.of(sink), routes, checkpointing);
    }
}
