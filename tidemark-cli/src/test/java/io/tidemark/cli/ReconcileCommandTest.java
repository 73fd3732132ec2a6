package io.tidemark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tidemark reconcile} as a user runs it against a real PostgreSQL source and sink (embedded):
 * exit 0 and one EQUAL line per table on equal data, exit 1 and the differing keys (text and JSON)
 * after the sink was damaged, a one-line refusal for a table the pipeline does not have, and no
 * secret in any output.
 */
class ReconcileCommandTest {

    private static final String PASSWORD = "reconcile-s3cr3t-pw";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    @TempDir
    Path dir;

    private String source;
    private String sink;
    private Path file;

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void createEqualTables() throws Exception {
        int n = DATABASES.incrementAndGet();
        source = "shop_" + n;
        sink = "warehouse_" + n;
        for (String db : new String[] {source, sink}) {
            sql("postgres", "CREATE DATABASE " + db);
            sql(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(12, 2),"
                            + " note TEXT, placed TIMESTAMPTZ)",
                    "INSERT INTO orders SELECT g, 'c' || g, g * 1.10, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' END,"
                            + " timestamptz '2026-01-01 00:00+00' + g * interval '1 minute' FROM generate_series(1, 5000) g");
        }
        sql(sink, "ALTER TABLE orders ADD COLUMN _tidemark_pos BIGINT NOT NULL DEFAULT 0");
        Path passwordFile = Files.writeString(dir.resolve("password"), PASSWORD);
        file = Files.writeString(dir.resolve("pipeline.yaml"), """
                pipeline:
                  name: shop
                source:
                  type: postgres
                  hostname: 127.0.0.1
                  port: %d
                  database: %s
                  username: postgres
                  password: ${file:%s}
                  tables: [public.orders]
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: jdbc:postgresql://127.0.0.1:%d/%s
                    username: postgres
                    password: ${file:%s}
                """.formatted(server.getPort(), source, passwordFile, server.getPort(), sink, passwordFile));
    }

    @Test
    void equalTablesExitZeroWithOneLinePerTable() {
        CliRun run = CliRun.of("reconcile", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
        assertThat(run.outLines().get(0)).startsWith("EQUAL").contains("public.orders -> warehouse (public.orders)",
                "5,000 source rows, 5,000 in the sink");
        assertThat(run.outLines().get(1)).contains("key-range checksums", "0 rows downloaded");
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).doesNotContain(PASSWORD);
    }

    @Test
    void differencesExitOneAndNameEachKeyInTextAndJson() throws Exception {
        sql(sink, "DELETE FROM orders WHERE id = 17",
                "UPDATE orders SET note = '' WHERE id = 8", // NULL in the source
                "UPDATE orders SET amount = 4.4 WHERE id = 4", // 4.40 in the source: the same in this column
                "UPDATE orders SET placed = placed + interval '1 microsecond' WHERE id = 4000",
                "INSERT INTO orders (id, customer) VALUES (9001, 'ghost')");

        CliRun run = CliRun.of("reconcile", file.toString(), "--settle-timeout", "0s");
        System.out.println("$ tidemark reconcile pipeline.yaml --settle-timeout 0s\n" + run); // docs/runbooks/data-corruption.md

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.out()).contains("DIFFERENT public.orders -> warehouse",
                "1 missing, 1 extra, 2 different",
                "missing   id=17", "extra     id=9001", "different id=8: note NULL / ''",
                "different id=4000: placed '2026-01-03 18:40:00+00' / '2026-01-03 18:40:00.000001+00'");
        assertThat(run.errLines()).containsExactly("tidemark: 1 of 1 table comparisons differ;"
                + " rerun with --settle-timeout longer if the job was catching up");

        CliRun json = CliRun.of("reconcile", file.toString(), "--settle-timeout", "0", "--output", "json");
        assertThat(json.exitCode()).as(json.toString()).isEqualTo(ExitCodes.FAILURE);
        JsonNode result = new ObjectMapper().readTree(json.out());
        assertThat(result.get("equal").asBoolean()).isFalse();
        JsonNode table = result.get("tables").get(0);
        assertThat(table.get("result").asText()).isEqualTo("DIFFERENT");
        assertThat(table.get("missing").asLong()).isEqualTo(1);
        assertThat(table.get("differences")).hasSize(4);
        assertThat(json.out()).doesNotContain(PASSWORD);
    }

    @Test
    void aTableThePipelineDoesNotHaveIsRefusedInOneLine() {
        CliRun run = CliRun.of("reconcile", file.toString(), "--table", "public.nope");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.errLines()).containsExactly(
                "tidemark: --table public.nope: not a table of the pipeline; its tables: public.orders");
    }

    @Test
    void aMissingSinkTableNamesTheSink() throws Exception {
        sql(sink, "DROP TABLE orders");

        CliRun run = CliRun.of("reconcile", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.errLines()).containsExactly("tidemark: sinks.warehouse: table public.orders does not exist"
                + " (or is not visible to the sink's user); the pipeline creates no tables");
    }

    private static void sql(String db, String... statements) throws SQLException {
        try (Connection c = server.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        }
    }
}
