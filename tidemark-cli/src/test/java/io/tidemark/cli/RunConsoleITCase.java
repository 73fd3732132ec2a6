package io.tidemark.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What {@code tidemark run}, run as a user runs it, says on the console about the source while a
 * pipeline starts (issue 18): a transaction open elsewhere on the source server, for which
 * PostgreSQL holds the creation of the pipeline's replication slot, named within 10 s (pid,
 * database, application, state, age), nothing copied meanwhile, the snapshot starting once it commits; and the initial snapshot's
 * progress until the stream starts.
 */
class RunConsoleITCase extends OrdersServerTestBase {

    @TempDir
    Path dir;

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
                System.out.printf("RunConsoleITCase: the wait was on the console %.1fs after the check began%n",
                        (System.nanoTime() - checking) / 1e9);
                // the job runs, and its enumerator holds the snapshot until the slot exists: nothing is copied
                assertThat(pipeline.sinkRows()).as("rows copied while the slot waits").isEmpty();

                open.commit();
                pipeline.awaitSinkEqualsSource();
            }
        }
    }

    /**
     * While the initial snapshot runs, {@code run} prints its progress (rows per table, chunks read,
     * rate, time left) every {@code --progress-interval}, then one line with the totals once the
     * stream starts, and no more (issue 18 item 3).
     */
    @Test
    void runPrintsTheSnapshotsProgressUntilTheStreamStarts() throws Exception {
        OrdersPipeline pipeline = OrdersPipeline.create(postgres, dir, "progress", 2);
        pipeline.insertMany(300_000);
        try (ShellRun.Background run = ShellRun.start(dir, Map.of(), "run", pipeline.file().toString(),
                "--progress-interval", "1s")) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(run.outLines()).as(run.toString()).anyMatch(line -> line.startsWith("Snapshot done: ")));
            pipeline.awaitSinkEqualsSource();
            Thread.sleep(3_000); // nothing more about the snapshot after its last line
            java.util.List<String> lines = run.outLines().stream().filter(line -> line.startsWith("Snapshot")).toList();
            System.out.println("RunConsoleITCase: snapshot progress\n" + String.join("\n", lines));
            assertThat(lines.get(lines.size() - 1)).matches("Snapshot done: [0-9,]+ rows of 1 table in (\\d+m )?\\d+s \\([0-9,]+ rows/s\\);"
                    + " streaming changes now");
            assertThat(lines.subList(0, lines.size() - 1)).isNotEmpty().allMatch(line -> line.matches("Snapshot: (no rows in"
                    + " the sinks yet|public\\.orders [0-9,]+ rows); [0-9,]+ of [0-9,]+ chunks read; [0-9,]+ rows/s(; about"
                    + " (\\d+m )?\\d+s left)?")).anyMatch(line -> line.matches("Snapshot: public\\.orders [0-9,]+ rows; .*"));
            assertThat(lines).filteredOn(line -> line.startsWith("Snapshot done")).hasSize(1);
        }
    }
}
