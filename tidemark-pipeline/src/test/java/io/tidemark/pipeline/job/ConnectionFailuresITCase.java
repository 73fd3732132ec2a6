package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A side that cannot be reached, or refuses the password it was given, is named in the one line
 * that says so, as the pipeline file names it ({@code source}, {@code sinks.warehouse}): the
 * driver's own sentence alone reads the same for both sides.
 */
class ConnectionFailuresITCase extends PostgresTestBase {

    private static final String REFUSED = " refused. Check that the hostname and port are correct and that the"
            + " postmaster is accepting TCP/IP connections.";

    @TempDir
    Path temp;

    @Test
    void anUnreachableSourceIsNamed() throws IOException {
        String sourceDb = createDatabase("conn_src");
        String sinkDb = createDatabase("conn_sink");
        runDdl(sinkDb, "orders");
        int closed = closedPort();
        PipelineDef def = pipeline("conn-src", sourceDb, sinkDb, List.of("public.orders"), temp, 1);
        PostgresSourceDef s = def.source() instanceof PostgresSourceDef p ? p : null;
        PipelineDef unreachable = new PipelineDef(def.name(), def.parallelism(),
                new PostgresSourceDef("127.0.0.1", closed, sourceDb, "postgres", Secret.literal("postgres"),
                        s.tables(), s.slotName(), s.publicationName(), s.snapshotChunkSize(), StartupMode.INITIAL),
                def.sinks(), def.routes(), def.checkpointing());

        assertThatThrownBy(() -> PipelineJob.of(unreachable).prepare())
                .hasMessage("source: cannot connect to 127.0.0.1:" + closed + "/" + sourceDb + " as postgres: Connection to"
                        + " 127.0.0.1:" + closed + REFUSED);
    }

    @Test
    void anUnreachableSinkIsNamed() throws IOException {
        String sourceDb = createDatabase("conn_src2");
        runDdl(sourceDb, "orders");
        int closed = closedPort();
        PipelineDef def = pipeline("conn-sink", sourceDb, "nowhere", List.of("public.orders"), temp, 1);
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/warehouse";
        PipelineDef unreachable = new PipelineDef(def.name(), def.parallelism(), def.source(),
                List.of(new JdbcSinkDef("warehouse", url + "?connectTimeout=5", "tidemark", Secret.literal("pw"),
                        2000, Duration.ofMillis(100), 2, Duration.ofDays(7), 3)),
                def.routes(), def.checkpointing());

        try {
            assertThatThrownBy(() -> PipelineJob.of(unreachable).prepare())
                    .hasMessage("sinks.warehouse: cannot connect to " + url + " as tidemark: Connection to 127.0.0.1:"
                            + closed + REFUSED);
        } finally {
            execute(sourceDb, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name = 'conn_sink' AND NOT active");
        }
    }

    @Test
    void anUnreachableDeadLetterQueueIsNamed() throws IOException {
        String sourceDb = createDatabase("conn_dlq_src");
        runDdl(sourceDb, "orders");
        String sinkDb = createDatabase("conn_dlq_sink");
        runDdl(sinkDb, "orders");
        int closed = closedPort();
        PipelineDef def = pipeline("conn-dlq", sourceDb, sinkDb, List.of("public.orders"), temp, 1);
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/queue";
        DeadLetterQueueDef defaults = DeadLetterQueueDef.defaults();
        PipelineDef unreachable = new PipelineDef(def.name(), def.parallelism(), def.source(), def.sinks(), def.routes(),
                def.checkpointing(), new DeadLetterQueueDef(defaults.type(), url, "queue_user", Secret.literal("pw"),
                        defaults.table(), defaults.maxAttempts(), defaults.afterRejection(), List.of(), null));

        try {
            assertThatThrownBy(() -> PipelineJob.of(unreachable).prepare())
                    .hasMessage("dead-letter-queue: cannot connect to " + url + " as queue_user: Connection to 127.0.0.1:"
                            + closed + REFUSED);
        } finally {
            execute(sourceDb, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name = 'conn_dlq' AND NOT active");
        }
    }

    @Test
    void aWrongPasswordNamesTheSideItWasGivenFor() throws Exception {
        String sourceDb = createDatabase("conn_pw_src");
        runDdl(sourceDb, "orders");
        String sinkDb = createDatabase("conn_pw_sink");
        runDdl(sinkDb, "orders");
        execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'conn_pw') THEN"
                + " CREATE ROLE conn_pw LOGIN SUPERUSER REPLICATION PASSWORD 'right-one'; END IF; END $$");
        PipelineDef def = pipeline("conn-pw", sourceDb, sinkDb, List.of("public.orders"), temp, 1);
        PostgresSourceDef s = (PostgresSourceDef) def.source();
        PipelineDef wrongSource = new PipelineDef(def.name(), def.parallelism(),
                new PostgresSourceDef("127.0.0.1", port(), sourceDb, "conn_pw", Secret.literal("wrong-one"), s.tables(),
                        s.slotName(), s.publicationName(), s.snapshotChunkSize(), StartupMode.INITIAL),
                def.sinks(), def.routes(), def.checkpointing());
        PipelineDef wrongSink = new PipelineDef(def.name(), def.parallelism(), def.source(),
                List.of(new JdbcSinkDef("warehouse", jdbcUrl(sinkDb), "conn_pw", Secret.literal("wrong-one"),
                        2000, Duration.ofMillis(100), 2, Duration.ofDays(7), 3)),
                def.routes(), def.checkpointing());

        try (AutoCloseable passwords = requirePasswords("conn_pw")) {
            assertThatThrownBy(() -> PipelineJob.of(wrongSource).prepare())
                    .hasMessage("source: cannot connect to 127.0.0.1:" + port() + "/" + sourceDb + " as conn_pw:"
                            + " FATAL: password authentication failed for user \"conn_pw\"");
            assertThatThrownBy(() -> PipelineJob.of(wrongSink).prepare())
                    .hasMessage("sinks.warehouse: cannot connect to " + jdbcUrl(sinkDb) + " as conn_pw:"
                            + " FATAL: password authentication failed for user \"conn_pw\"");
        } finally {
            execute(sourceDb, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    + " WHERE slot_name = 'conn_pw' AND NOT active");
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
