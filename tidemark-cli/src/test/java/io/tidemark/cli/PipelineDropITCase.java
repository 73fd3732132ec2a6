package io.tidemark.cli;

import io.tidemark.pipeline.dlq.JdbcDeadLetterQueue;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkPreparer;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.PostgresTestBase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tidemark pipeline drop} against real servers. A PostgreSQL pipeline runs ({@code tidemark
 * run}) until the sink holds its rows, a tombstone and a dead letter: the drop is refused while the
 * job reads its slot (and while the cluster runs the job), with one line and nothing changed. Once
 * the job is stopped, the drop leaves no slot (nor the backfill slot of an interrupted snapshot, while
 * a slot merely named alike stays) and no publication, deletes the pipeline's metadata
 * rows, keeps its dead letters and, because another pipeline writes to the same sink database, the
 * rows keyed by sink table and the position column. Dropping that neighbour then removes the rest,
 * and a second drop with {@code --include-dead-letters} the queue. A MariaDB-source pipeline drops
 * nothing on its source and everything of its MariaDB sink. Every output is compared line by line.
 */
class PipelineDropITCase extends PostgresTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BACKFILL = "a snapshot backfill slot, left by an interrupted snapshot or used by a job"
            + " still in its snapshot (--rest-address checks the cluster)";
    private static final String KEEP_DEAD_LETTERS =
            "dead letters, changes the sink never applied, stay unless --include-dead-letters";

    @TempDir
    Path temp;

    @Test
    void aStoppedPipelineLeavesNoSlotNoPublicationAndNoneOfItsMetadataWhileItsNeighbourKeepsTheirs() throws Exception {
        String source = createDatabase("pipedrop_src");
        runDdl(source, "orders");
        execute(source, "INSERT INTO orders SELECT g, 'c' || g, g, 'new', NULL, now(), 1 FROM generate_series(1, 10) g");
        String sink = createDatabase("pipedrop_sink");
        runDdl(sink, "orders");
        execute(sink, "ALTER TABLE orders ADD CONSTRAINT small_orders CHECK (amount < 1000)"); // a dead letter to keep
        Path file = PipelineFile.postgres("pipedrop", port(), source, "pipedrop", List.of("public.orders"))
                .jdbcSink("warehouse", jdbcUrl(sink), "postgres", "postgres")
                .route("public.orders", "warehouse")
                .write(temp, "pipeline.yaml");
        Path neighbourFile = PipelineFile.postgres("neighbour", port(), source, "neighbour", List.of("public.orders"))
                .jdbcSink("warehouse", jdbcUrl(sink), "postgres", "postgres")
                .route("public.orders", "warehouse")
                .write(Files.createDirectories(temp.resolve("neighbour")), "pipeline.yaml");

        CliRun.Running run = CliRun.start("run", file.toString());
        await().atMost(Duration.ofMinutes(2)).until(() -> run.isDone() || count(sink, "SELECT count(*) FROM orders") == 10);
        if (run.isDone()) {
            throw new AssertionError("run ended before the snapshot arrived: " + run.await(Duration.ofSeconds(1)));
        }
        execute(source, "INSERT INTO orders VALUES (11, 'big', 5000, 'new', NULL, now(), 1)", "DELETE FROM orders WHERE id = 1");
        await().atMost(Duration.ofMinutes(2)).until(() -> run.isDone()
                || count(sink, "SELECT count(*) FROM _tidemark_dlq") == 1 && count(sink, "SELECT count(*) FROM orders") == 9);
        String out = run.out();
        String rest = out.replaceFirst("(?s).*Flink Web UI: (\\S+).*", "$1");
        String job = out.replaceFirst("(?s).*\nJob (\\S+) \\(tidemark-pipedrop\\) is running.*", "$1");

        // while the job runs: refused in one line, nothing changed
        long pid = count(source, "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'pipedrop'");
        CliRun whileRunning = CliRun.of("pipeline", "drop", file.toString(), "--yes");
        assertThat(whileRunning.exitCode()).as(whileRunning.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
        assertThat(whileRunning.out()).isEmpty();
        assertThat(whileRunning.errLines()).containsExactly("tidemark: replication slot pipedrop is active (walsender pid "
                + pid + "): a job still reads it: stop it first (tidemark savepoint stop JOB_ID), then drop the pipeline;"
                + " nothing was dropped");
        CliRun onTheCluster = CliRun.of("pipeline", "drop", file.toString(), "--yes", "--rest-address", rest);
        assertThat(onTheCluster.exitCode()).as(onTheCluster.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
        assertThat(onTheCluster.errLines()).containsExactly("tidemark: job " + job + " (tidemark-pipedrop) is RUNNING on"
                + " the cluster: stop it first (tidemark savepoint stop " + job + "), then drop the pipeline; nothing was"
                + " dropped");
        assertThat(slots(source, "pipedrop")).isEqualTo(1);
        assertThat(count(source, "SELECT count(*) FROM pg_publication WHERE pubname = 'pipedrop'")).isEqualTo(1);
        assertThat(count(sink, "SELECT count(*) FROM _tidemark_fence WHERE pipeline = 'pipedrop'")).isEqualTo(1);

        CliRun stop = CliRun.of("savepoint", "stop", job, "--rest-address", rest, "--config", file.toString());
        // the run's cluster outlives its job long enough for the stop to read its result (it used to be gone
        // in about one run in three: "cannot reach Flink's REST API")
        assertThat(stop.exitCode()).as(stop + "\n=== the run\n" + run).isZero();
        CliRun ran = run.await(Duration.ofMinutes(2));
        assertThat(ran.exitCode()).as(ran.toString()).isZero();
        assertThat(ran.outLines()).contains("Job " + job + " was stopped with a savepoint; stopping Flink in 5s.");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(source,
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pipedrop' AND NOT active") == 1);
        // a backfill slot an interrupted snapshot left behind goes too; a slot merely named alike stays
        execute(source, "SELECT pg_create_logical_replication_slot('pipedrop_0', 'pgoutput')",
                "SELECT pg_create_logical_replication_slot('pipedrop_old', 'pgoutput')");
        // another pipeline writes to the same sink table: its rows stay, and so do the rows keyed by table
        execute(sink, "INSERT INTO _tidemark_fence (pipeline, sink, epoch, owner) VALUES ('neighbour', 'warehouse', 3, 'x')",
                "INSERT INTO _tidemark_progress (pipeline, writer, max_pos) VALUES ('neighbour', 'warehouse-0-0', 42)");
        long progress = count(sink, "SELECT count(*) FROM _tidemark_progress WHERE pipeline = 'pipedrop'");
        assertThat(progress).isPositive();

        CliRun unconfirmed = CliRun.of("pipeline", "drop", file.toString());
        assertThat(unconfirmed.exitCode()).as(unconfirmed.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(unconfirmed.errLines()).containsExactly("tidemark: stdin is not a terminal, so nobody can confirm:"
                + " refusing to drop without --yes (see 'tidemark pipeline drop --help')");

        String shared = "pipeline neighbour also writes to this database, and the sink does not record which tables"
                + " each pipeline writes";
        String sourceTitle = "source postgres 127.0.0.1:" + port() + "/" + source;
        String sinkTitle = "sinks.warehouse jdbc:postgresql://127.0.0.1:" + port() + "/" + sink;
        CliRun dryRun = CliRun.of("pipeline", "drop", file.toString(), "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(dryRun.outLines()).containsExactly(
                "Dry run: dropping pipeline pipedrop would do this (nothing was changed):",
                sourceTitle,
                "  drop    replication slot pipedrop",
                "  drop    replication slot pipedrop_0: " + BACKFILL,
                "  drop    publication pipedrop (public.orders)",
                sinkTitle,
                "  delete  1 row of public._tidemark_fence",
                "  delete  " + rows(progress) + " of public._tidemark_progress",
                "  keep    1 row of public._tidemark_tombstones for public.orders: " + shared,
                "  keep    1 row of public._tidemark_truncations for public.orders: " + shared,
                "  keep    1 row of _tidemark_dlq: " + KEEP_DEAD_LETTERS,
                "  keep    column _tidemark_pos of public.orders: --drop-position-columns drops it");
        JsonNode plan = JSON.readTree(CliRun.of("pipeline", "drop", file.toString(), "--dry-run", "--output", "json").out());
        assertThat(plan.at("/dropped").asBoolean()).isFalse();
        assertThat(plan.at("/sides/1/steps/1").toString()).isEqualTo("{\"action\":\"delete\",\"object\":"
                + "\"public._tidemark_progress\",\"rows\":" + progress + ",\"reason\":null}");
        assertThat(slots(source, "pipedrop")).as("a dry run changes nothing").isEqualTo(2);

        CliRun drop = CliRun.of("pipeline", "drop", file.toString(), "--yes");
        assertThat(drop.exitCode()).as(drop.toString()).isZero();
        assertThat(drop.outLines()).containsExactly(
                "Pipeline pipedrop dropped:",
                sourceTitle,
                "  dropped replication slot pipedrop",
                "  dropped replication slot pipedrop_0: " + BACKFILL,
                "  dropped publication pipedrop (public.orders)",
                sinkTitle,
                "  deleted 1 row of public._tidemark_fence",
                "  deleted " + rows(progress) + " of public._tidemark_progress",
                "  kept    1 row of public._tidemark_tombstones for public.orders: " + shared,
                "  kept    1 row of public._tidemark_truncations for public.orders: " + shared,
                "  kept    1 row of _tidemark_dlq: " + KEEP_DEAD_LETTERS,
                "  kept    column _tidemark_pos of public.orders: --drop-position-columns drops it");
        assertThat(slots(source, "pipedrop")).as("no slot left, backfill slots included").isZero();
        assertThat(count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pipedrop_old'")).isEqualTo(1);
        execute(source, "SELECT pg_drop_replication_slot('pipedrop_old')");
        assertThat(count(source, "SELECT count(*) FROM pg_publication WHERE pubname = 'pipedrop'")).isZero();
        assertThat(count(sink, "SELECT count(*) FROM _tidemark_fence WHERE pipeline = 'pipedrop'")
                + count(sink, "SELECT count(*) FROM _tidemark_progress WHERE pipeline = 'pipedrop'")).isZero();
        assertThat(rows(sink, "_tidemark_fence", "pipeline, epoch", "pipeline"))
                .containsExactly("{\"pipeline\":\"neighbour\",\"epoch\":3}");
        assertThat(rows(sink, "_tidemark_progress", "pipeline, writer, max_pos", "writer"))
                .containsExactly("{\"pipeline\":\"neighbour\",\"writer\":\"warehouse-0-0\",\"max_pos\":42}");
        assertThat(count(sink, "SELECT count(*) FROM _tidemark_tombstones") + count(sink,
                "SELECT count(*) FROM _tidemark_truncations")).isEqualTo(2);
        assertThat(rows(sink, "_tidemark_dlq", "pipeline, sink_table, error_class", "id")).containsExactly(
                "{\"pipeline\":\"pipedrop\",\"sink_table\":\"public.orders\",\"error_class\":\"23514\"}");
        assertThat(count(sink, "SELECT count(*) FROM orders")).as("the sink table's rows stay").isEqualTo(9);

        // the neighbour goes too: nothing shows another pipeline any more, so everything goes but the dead letter
        CliRun neighbour = CliRun.of("pipeline", "drop", neighbourFile.toString(), "--yes", "--drop-position-columns");
        assertThat(neighbour.exitCode()).as(neighbour.toString()).isZero();
        assertThat(neighbour.outLines()).containsExactly(
                "Pipeline neighbour dropped:",
                sourceTitle,
                "  -       replication slot neighbour does not exist",
                "  -       publication neighbour does not exist",
                sinkTitle,
                "  deleted 1 row of public._tidemark_fence",
                "  dropped table public._tidemark_fence",
                "  deleted 1 row of public._tidemark_progress",
                "  dropped table public._tidemark_progress",
                "  dropped table public._tidemark_truncate_arrivals",
                "  dropped table public._tidemark_deferred",
                "  deleted 1 row of public._tidemark_tombstones for public.orders",
                "  dropped table public._tidemark_tombstones",
                "  deleted 1 row of public._tidemark_truncations for public.orders",
                "  dropped table public._tidemark_truncations",
                "  dropped column _tidemark_pos of public.orders");
        assertThat(tables(sink)).containsExactly("_tidemark_dlq", "orders");
        assertThat(count(sink, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                + " AND column_name = '_tidemark_pos'")).isZero();

        CliRun deadLetters = CliRun.of("pipeline", "drop", file.toString(), "--yes", "--include-dead-letters");
        assertThat(deadLetters.exitCode()).as(deadLetters.toString()).isZero();
        assertThat(deadLetters.outLines()).containsExactly(
                "Pipeline pipedrop dropped:",
                sourceTitle,
                "  -       replication slot pipedrop does not exist",
                "  -       publication pipedrop does not exist",
                sinkTitle,
                "  deleted 1 row of _tidemark_dlq",
                "  dropped table _tidemark_dlq");
        assertThat(tables(sink)).containsExactly("orders");
    }

    @Test
    void aMariaDbSourceHoldsNothingAndItsMariaDbSinkLosesEveryTableOfTheDroppedPipeline() throws Exception {
        MariaDbTestServer mariadb = MariaDbTestServer.get();
        String db = mariadb.createDatabase("mdrop");
        mariadb.execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL)");
        TableId orders = new TableId(db, "orders");
        JdbcConnectionFactory connections = new JdbcConnectionFactory(mariadb.jdbcUrl(db), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD));
        // what a job's start leaves in its sink: the preparation, the queue, a writer's fence and progress
        new JdbcSinkPreparer("warehouse", connections, SinkDialect.forUrl(mariadb.jdbcUrl(db))).prepare(Map.of(orders, orders));
        try (JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(connections, "_tidemark_dlq")) {
            queue.prepare();
        }
        mariadb.execute(db, "INSERT INTO _tidemark_fence (pipeline, sink, epoch, owner) VALUES ('mdrop', 'warehouse', 1, 'x')",
                "INSERT INTO _tidemark_progress (pipeline, writer, max_pos) VALUES ('mdrop', 'warehouse-0-0', 7),"
                        + " ('mdrop', 'warehouse-0-1', 9)");
        Path file = PipelineFile.mysql("mdrop", mariadb.port(), List.of(db + ".orders"))
                .jdbcSink("warehouse", mariadb.jdbcUrl(db), MariaDbTestServer.USER, MariaDbTestServer.PASSWORD)
                .route(db + ".orders", "warehouse")
                .write(temp, "pipeline.yaml");

        CliRun drop = CliRun.of("pipeline", "drop", file.toString(), "--yes", "--include-dead-letters",
                "--drop-position-columns");

        assertThat(drop.exitCode()).as(drop.toString()).isZero();
        assertThat(drop.outLines()).containsExactly(
                "Pipeline mdrop dropped:",
                "source mysql 127.0.0.1:" + mariadb.port(),
                "  -       nothing on the server: a MySQL/MariaDB source keeps its binlog position in the job's checkpoints",
                "sinks.warehouse " + mariadb.jdbcUrl(db),
                "  deleted 1 row of _tidemark_fence",
                "  dropped table _tidemark_fence",
                "  deleted 2 rows of _tidemark_progress",
                "  dropped table _tidemark_progress",
                "  dropped table _tidemark_truncate_arrivals",
                "  dropped table _tidemark_deferred",
                "  dropped table _tidemark_tombstones",
                "  deleted 1 row of _tidemark_truncations for " + db + ".orders",
                "  dropped table _tidemark_truncations",
                "  dropped table _tidemark_dlq",
                "  dropped column _tidemark_pos of " + db + ".orders");
        assertThat(mariadb.single(db, "SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM information_schema.tables"
                + " WHERE table_schema = DATABASE()")).isEqualTo("orders");
        assertThat(mariadb.single(db, "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                + " AND column_name = '_tidemark_pos'")).isEqualTo("0");
    }

    private static String rows(long n) {
        return n + (n == 1 ? " row" : " rows");
    }

    /** The pipeline's slot and any backfill slot of it ({@code <slot>_<n>}). */
    private static long slots(String database, String slot) throws Exception {
        return count(database, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"
                + " OR slot_name ~ '^" + slot + "_[0-9]+$'");
    }

    private static List<String> tables(String database) throws Exception {
        return rows(database, "information_schema.tables WHERE table_schema = 'public'", "table_name", "table_name")
                .stream().map(json -> json.replaceAll("^\\{\"table_name\":\"(.*)\"}$", "$1")).toList();
    }
}
