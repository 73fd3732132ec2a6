package io.tidemark.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pipeline started while a transaction is open elsewhere on the source server (issue 18 item 2):
 * PostgreSQL creates the pipeline's replication slot only once that transaction has ended, and
 * {@code tidemark run}, as a user runs it, says so on the console within 10 s, naming the
 * transaction (pid, database, application, state, age); the job starts once it commits.
 */
class SlotCreationWaitITCase {

    private static EmbeddedPostgres postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = OrdersPipeline.startServer();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @Test
    void runSaysWhichTransactionTheSlotsCreationWaitsForAndStartsOnceItEnds() throws Exception {
        OrdersPipeline pipeline = OrdersPipeline.create(postgres, dir, "waits", 1);
        pipeline.insert(50);
        try (Connection open = postgres.getDatabase("postgres", "postgres").getConnection()) {
            open.setAutoCommit(false);
            int pid;
            try (Statement st = open.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), txid_current()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try (ShellRun.Background run = ShellRun.start(dir, Map.of(), "run", pipeline.file().toString())) {
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                        .until(() -> run.outLines().stream().anyMatch(line -> line.startsWith("Checking source")));
                long checking = System.nanoTime();
                String slot = "tidemark_" + pipeline.name();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                        assertThat(run.errLines()).as(run.toString()).anyMatch(line -> line.matches(
                                "tidemark: warning: source: creating replication slot " + slot + " waits for transaction pid "
                                        + pid + " \\(database postgres, application [^,]+, idle in transaction, open \\d+s\\)"
                                        + " to end: PostgreSQL starts a slot only once every transaction running at that"
                                        + " moment, in any database, has ended")));
                System.out.printf("SlotCreationWaitITCase: the wait was on the console %.1fs after the check began%n",
                        (System.nanoTime() - checking) / 1e9);
                assertThat(run.outLines()).noneMatch(line -> line.contains("is running"));

                open.commit();
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(run.outLines()).as(run.toString()).anyMatch(line -> line.contains("is running")));
                pipeline.awaitSinkEqualsSource();
            }
        }
    }
}
