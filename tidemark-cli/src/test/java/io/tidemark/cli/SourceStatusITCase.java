package io.tidemark.cli;

import io.tidemark.pipeline.testing.PostgresTestBase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tidemark source status} against a real PostgreSQL: nothing before the job first starts;
 * then the slot and publication a job creates, with the WAL the slot retains growing while no job
 * reads it and the source writes; then the slot active while a walsender streams from it.
 */
class SourceStatusITCase extends PostgresTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void theSlotsRetainedWalGrowsWhileNoJobReadsItAndItIsActiveWhileOneDoes() throws Exception {
        String source = createDatabase("srcstatus");
        runDdl(source, "orders");
        String slot = "srcstatus_slot";
        Path file = PipelineFile.postgres("srcstatus", port(), source, slot, List.of("public.orders"))
                .jdbcSink("warehouse", jdbcUrl(source), "postgres", "postgres")
                .route("public.orders", "warehouse")
                .write(temp, "pipeline.yaml");

        CliRun before = CliRun.of("source", "status", file.toString());
        assertThat(before.exitCode()).as(before.toString()).isZero();
        assertThat(before.outLines()).containsExactly(
                "source:      postgres 127.0.0.1:" + port() + "/" + source,
                "slot:        " + slot + " does not exist (the job creates it when it first starts)",
                "publication: " + slot + " does not exist (the job creates it when it first starts)");

        execute(source, "CREATE PUBLICATION " + slot + " FOR TABLE orders",
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        try {
            JsonNode stopped = status(file);
            execute(source, "INSERT INTO orders SELECT g, repeat('c', 200), g, 'new', NULL, now(), 1"
                    + " FROM generate_series(1, 5000) g");
            JsonNode written = status(file);

            assertThat(written.at("/slot/active").asBoolean()).isFalse();
            assertThat(written.at("/slot/retainedWalBytes").asLong())
                    .as("WAL retained grows while no job reads the slot (5,000 rows of over 200 bytes)")
                    .isGreaterThan(stopped.at("/slot/retainedWalBytes").asLong() + 1_000_000);
            assertThat(written.at("/slot/walStatus").asText()).isEqualTo("reserved");
            assertThat(written.at("/publication/tables").toString()).isEqualTo("[\"public.orders\"]");
            CliRun text = CliRun.of("source", "status", file.toString());
            assertThat(text.outLines()).as(text.toString()).element(1).asString().isEqualTo("slot:        " + slot
                    + ", INACTIVE (no job reads it: the WAL it retains grows with every write to the source)");
            assertThat(text.outLines()).element(3).asString().matches("retained:    [0-9.]+ (B|KiB|MiB|GiB) of WAL \\(wal_status reserved\\)");

            // a snapshot that did not finish leaves its backfill slot; another pipeline's own slot named alike is not one
            execute(source, "SELECT pg_create_logical_replication_slot('" + slot + "_0', 'pgoutput')",
                    "CREATE PUBLICATION " + slot + "_7 FOR TABLE orders",
                    "SELECT pg_create_logical_replication_slot('" + slot + "_7', 'pgoutput')");
            CliRun withBackfill = CliRun.of("source", "status", file.toString());
            assertThat(withBackfill.outLines()).as(withBackfill.toString()).hasSize(6).last().asString().matches(
                    "backfill:    " + slot + "_0, inactive, retains [0-9.]+ (B|KiB|MiB|GiB) of WAL: the initial snapshot's,"
                            + " which the stream drops when it starts; left by a snapshot that did not finish, the"
                            + " restarted job uses it and `tidemark pipeline drop` drops it");
            assertThat(status(file).at("/backfillSlots/0/name").asText()).isEqualTo(slot + "_0");

            try (Connection replication = replicationConnection(source);
                    PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI()
                            .replicationStream().logical().withSlotName(slot)
                            .withSlotOption("proto_version", 1).withSlotOption("publication_names", slot).start()) {
                stream.readPending();
                JsonNode streaming = status(file);
                assertThat(streaming.at("/slot/active").asBoolean()).isTrue();
                assertThat(streaming.at("/slot/activePid").asInt()).isPositive();
            }
        } finally {
            execute(source, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name LIKE '" + slot + "%' AND NOT active");
        }
    }

    private static JsonNode status(Path file) throws Exception {
        CliRun run = CliRun.of("source", "status", file.toString(), "--output", "json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return JSON.readTree(run.out());
    }

    private static Connection replicationConnection(String database) throws Exception {
        Properties props = new Properties();
        PGProperty.USER.set(props, "postgres");
        PGProperty.PASSWORD.set(props, "postgres");
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }
}
