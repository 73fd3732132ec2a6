package io.tidemark.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A PostgreSQL → PostgreSQL pipeline over one {@code orders} table, for the tests that run the
 * savepoint lifecycle against a cluster: a source and a sink database of their own on a shared
 * server, the pipeline file (password through {@code ${file:}}, checkpoints every second, retained
 * on cancel, into the test's directory), changes to the source, and the check that the sink equals it.
 */
final class OrdersPipeline {

    /**
     * The password in the pipeline's secret file: the embedded server trusts loopback and ignores it,
     * so it can be one no log line has any other reason to contain.
     */
    static final String PASSWORD = "orders-pipeline-Pw-5f1c9e";

    private final EmbeddedPostgres postgres;
    private final String name;
    private final String sourceDb;
    private final String sinkDb;
    private final Path file;
    private final Path checkpoints;
    private final Path savepoints;
    private int nextId = 1;

    private OrdersPipeline(EmbeddedPostgres postgres, String name, String sourceDb, String sinkDb, Path file,
            Path checkpoints, Path savepoints) {
        this.postgres = postgres;
        this.name = name;
        this.sourceDb = sourceDb;
        this.sinkDb = sinkDb;
        this.file = file;
        this.checkpoints = checkpoints;
        this.savepoints = savepoints;
    }

    /** A PostgreSQL server with what logical replication needs, for a test class to share. */
    static EmbeddedPostgres startServer() throws Exception {
        return EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "64")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("fsync", "off")
                .start();
    }

    /**
     * Creates databases {@code shop<n>} and {@code warehouse<n>} with the {@code orders} table and
     * writes {@code dir/pipeline.yaml} for pipeline {@code name<n>}.
     */
    static OrdersPipeline create(EmbeddedPostgres postgres, Path dir, String name, int n) throws Exception {
        String sourceDb = "shop" + n;
        String sinkDb = "warehouse" + n;
        sql(postgres, "postgres", "CREATE DATABASE " + sourceDb, "CREATE DATABASE " + sinkDb);
        String table = "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(12, 2) NOT NULL,"
                + " version INT NOT NULL)";
        sql(postgres, sourceDb, table, "ALTER TABLE orders REPLICA IDENTITY FULL");
        sql(postgres, sinkDb, table);
        Path savepoints = Files.createDirectories(dir.resolve("savepoints"));
        Path checkpoints = Files.createDirectories(dir.resolve("checkpoints"));
        Path secret = dir.resolve("db-password");
        Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, PASSWORD + "\n");
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, "pipeline:\n"
                + "  name: " + name + n + "\n"
                + "  parallelism: 1\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  hostname: 127.0.0.1\n"
                + "  port: " + postgres.getPort() + "\n"
                + "  database: " + sourceDb + "\n"
                + "  username: postgres\n"
                + "  password: ${file:" + secret + "}\n"
                + "  tables:\n"
                + "    - public.orders\n"
                + "sinks:\n"
                + "  - name: warehouse\n"
                + "    type: jdbc\n"
                + "    url: jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + sinkDb + "\n"
                + "    username: postgres\n"
                + "    password: ${file:" + secret + "}\n"
                + "    flush-interval: 100ms\n"
                + "checkpointing:\n"
                + "  interval: 1s\n"
                + "  timeout: 60s\n"
                + "  min-pause: 500ms\n"
                + "  externalized-retention: RETAIN_ON_CANCELLATION\n"
                + "  checkpoints-dir: '" + checkpoints.toUri() + "'\n"
                + "  savepoints-dir: '" + savepoints.toUri() + "'\n");
        return new OrdersPipeline(postgres, name + n, sourceDb, sinkDb, file, checkpoints, savepoints);
    }

    String name() {
        return name;
    }

    Path file() {
        return file;
    }

    Path checkpoints() {
        return checkpoints;
    }

    Path savepoints() {
        return savepoints;
    }

    String sourceDb() {
        return sourceDb;
    }

    String sinkDb() {
        return sinkDb;
    }

    /** Inserts {@code rows} new orders into the source. */
    void insert(int rows) throws Exception {
        List<String> statements = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int id = nextId++;
            statements.add("INSERT INTO orders VALUES (" + id + ", 'c" + id + "', " + id + ".50, 1)");
        }
        sql(sourceDb, statements.toArray(String[]::new));
    }

    /** Inserts {@code rows} new orders into the source in one statement. */
    void insertMany(int rows) throws Exception {
        int from = nextId;
        nextId += rows;
        sql(sourceDb, "INSERT INTO orders SELECT g, 'c' || g, g + 0.5, 1 FROM generate_series(" + from + ", "
                + (nextId - 1) + ") g");
    }

    /** Updates every row with an id in [from, to] and deletes every seventh one. */
    void updateAndDelete(int from, int to) throws Exception {
        sql(sourceDb, "UPDATE orders SET amount = amount + 1, version = version + 1 WHERE id BETWEEN " + from + " AND " + to,
                "DELETE FROM orders WHERE id BETWEEN " + from + " AND " + to + " AND id % 7 = 0");
    }

    void awaitSinkEqualsSource() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(sinkRows()).isEqualTo(sourceRows()));
    }

    Map<Long, String> sourceRows() throws Exception {
        return rows(sourceDb);
    }

    Map<Long, String> sinkRows() throws Exception {
        return rows(sinkDb);
    }

    private Map<Long, String> rows(String db) throws Exception {
        Map<Long, String> rows = new TreeMap<>();
        try (Connection c = postgres.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, customer, amount::text, version FROM orders")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getInt(4));
            }
        }
        return rows;
    }

    /** The first column of the first row {@code query} returns in {@code db}. */
    String single(String db, String query) throws Exception {
        try (Connection c = postgres.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    void sql(String db, String... statements) throws Exception {
        sql(postgres, db, statements);
    }

    private static void sql(EmbeddedPostgres postgres, String db, String... statements) throws Exception {
        try (Connection c = postgres.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }
}
