package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterGauges;
import io.tidemark.pipeline.dlq.JdbcDeadLetterQueue;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.dlq.ReplaySummary.Outcome;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkPreparer;
import io.tidemark.pipeline.sink.jdbc.dialect.PostgresSinkDialect;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.testutils.MetricListener;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dead-letter replay against a real PostgreSQL sink. The queue is filled by the sink's own path
 * ({@link BatchApplier} with {@link RejectedChanges}: poison changes rejected with 22001, 23514 and
 * 22003, later changes of their rows parked); the cause is fixed with ALTER TABLE, and the replay,
 * interrupted halfway and rerun, leaves the sink equal to the source with an audit trigger showing
 * no change applied twice and no row going back to an older position.
 */
class DeadLetterReplayITCase extends PostgresTestBase {

    private static final String PIPELINE = "replay-it";
    private static final TableId ORDERS = new TableId("public", "orders");
    private static final String LONG_NOTE = "n".repeat(100);

    private String db;
    private JdbcConnectionFactory connections;
    private JdbcSinkDef sinkDef;
    /** The live writer's rejection handling, as the last {@link #liveApplier} made it. */
    private RejectedChanges liveRejected;
    /** The changes, and the source's rows as they leave them: what the sink must equal. */
    private final OrderChanges changes = new OrderChanges(ORDERS);

    @BeforeEach
    void createSink() throws Exception {
        db = createDatabase("sink_replay");
        // narrower than the source: note up to 60 characters, no negative amount, a smallint version
        execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL,"
                + " amount NUMERIC(12, 2) NOT NULL CONSTRAINT amount_not_negative CHECK (amount >= 0),"
                + " note VARCHAR(60), version SMALLINT NOT NULL)");
        connections = new JdbcConnectionFactory(jdbcUrl(db), "postgres", Secret.literal("postgres"));
        new JdbcSinkPreparer("warehouse", connections, new PostgresSinkDialect()).prepare(Map.of(ORDERS, ORDERS));
        runDdl(db, "orders-audit");
        sinkDef = new JdbcSinkDef("warehouse", jdbcUrl(db), "postgres", Secret.literal("postgres"),
                2000, Duration.ofMillis(100), 1, Duration.ofDays(7), 1);
    }

    @Test
    void poisonChangesReplayedAfterTheFixInterruptedAndRerunLeaveTheSinkEqualAndAppliedOnce() throws Exception {
        try (BatchApplier live = liveApplier(DeadLetterPolicy.PARK)) {
            List<ChangeEvent> inserts = new ArrayList<>();
            for (long id = 1; id <= 30; id++) {
                inserts.add(changes.upsert(ChangeOperation.INSERT, id, "c" + id, "10.00", "ok", 1));
            }
            live.apply(OrderChanges.batch(inserts));
            live.apply(OrderChanges.batch(
                    changes.upsert(ChangeOperation.UPDATE, 5, "c5", "10.00", LONG_NOTE, 2), // 22001 value too long
                    changes.upsert(ChangeOperation.UPDATE, 6, "c6", "-1.00", "ok", 2), // 23514 check violation
                    changes.upsert(ChangeOperation.UPDATE, 7, "c7", "10.00", "ok", 40_000), // 22003 out of range
                    changes.upsert(ChangeOperation.INSERT, 31, "c31", "5.00", LONG_NOTE, 1), // 22001 on a new row
                    changes.upsert(ChangeOperation.UPDATE, 1, "c1", "11.00", "ok", 2)));
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 2, "c2", "12.00", "ok", 2),
                    changes.upsert(ChangeOperation.UPDATE, 5, "c5", "15.00", "fine", 3))); // parked behind 5's rejection
            live.apply(OrderChanges.batch(changes.delete(6), changes.upsert(ChangeOperation.UPDATE, 7, "c7", "17.00", "ok", 40_001),
                    changes.upsert(ChangeOperation.UPDATE, 3, "c3", "13.00", "ok", 2)));
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 5, "c5", "16.00", "last", 4),
                    changes.upsert(ChangeOperation.UPDATE, 4, "c4", "14.00", "ok", 2)));
        }
        Set<Long> poison = Set.of(5L, 6L, 7L, 31L);
        assertThat(OrderChanges.except(sinkRows(), poison)).isEqualTo(OrderChanges.except(changes.rows(), poison));
        assertThat(queueRows()).containsExactly(
                "5 UPDATE REJECTED 22001 2", "6 UPDATE REJECTED 23514 2", "7 UPDATE REJECTED 22003 2",
                "31 INSERT REJECTED 22001 2", "5 UPDATE PARKED parked 1", "6 DELETE PARKED parked 1",
                "7 UPDATE PARKED parked 1", "5 UPDATE PARKED parked 1");
        assertThat(deadLetterGauges()).containsExactly(
                "22001 pending 2 replayed 0", "22003 pending 1 replayed 0", "23514 pending 1 replayed 0",
                "parked pending 4 replayed 0");

        // replayed before the cause is fixed: nothing applied, nothing lost, one more attempt each
        long writesBefore = count(db, "SELECT count(*) FROM orders_audit");
        try (DeadLetterReplayer replayer = replayer()) {
            ReplaySummary early = replayer.replay(DeadLetterFilter.pending());
            assertThat(early.total()).isEqualTo(new ReplaySummary.Counts(0, 0, 4, 4));
            assertThat(early.entries()).filteredOn(e -> e.outcome() == Outcome.BLOCKED)
                    .allSatisfy(e -> assertThat(e.detail()).startsWith("waits behind entry "));
        }
        assertThat(count(db, "SELECT count(*) FROM orders_audit")).isEqualTo(writesBefore);
        assertThat(count(db, "SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).isEqualTo(8);
        assertThat(count(db, "SELECT min(attempts) FROM _tidemark_dlq WHERE kind = 'REJECTED'")).isEqualTo(3);

        execute(db, "ALTER TABLE orders ALTER COLUMN note TYPE TEXT",
                "ALTER TABLE orders DROP CONSTRAINT amount_not_negative",
                "ALTER TABLE orders ALTER COLUMN version TYPE INT");

        // first run: only row 5's entries, then a crash after two more entries
        try (DeadLetterReplayer replayer = replayer()) {
            ReplaySummary row5 = replayer.replay(filterKey("5"));
            assertThat(row5.entries()).extracting(ReplaySummary.Entry::outcome)
                    .containsExactly(Outcome.APPLIED, Outcome.APPLIED, Outcome.APPLIED);
            int[] seen = {0};
            assertThatThrownBy(() -> replayer.replay(DeadLetterFilter.pending(), entry -> {
                if (++seen[0] == 2) {
                    throw new InterruptedException("simulated crash");
                }
            })).isInstanceOf(InterruptedException.class);
        }
        // the crash came between applying the second entry and marking it
        long lastApplied = count(db, "SELECT max(id) FROM _tidemark_dlq WHERE replay_result = 'APPLIED'");
        execute(db, "UPDATE _tidemark_dlq SET replayed_at = NULL, replay_result = NULL WHERE id = " + lastApplied);
        assertThat(count(db, "SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).isEqualTo(4);

        try (DeadLetterReplayer replayer = replayer()) {
            ReplaySummary rerun = replayer.replay(DeadLetterFilter.pending());
            assertThat(rerun.complete()).isTrue();
            assertThat(rerun.entries()).filteredOn(e -> e.id() == lastApplied).singleElement()
                    .satisfies(e -> {
                        assertThat(e.outcome()).isEqualTo(Outcome.SKIPPED);
                        assertThat(e.detail()).isEqualTo("sink holds the row at position " + e.position());
                    });
            assertThat(rerun.total().applied() + rerun.total().skipped()).isEqualTo(4);
            assertThat(replayer.replay(DeadLetterFilter.pending()).entries()).as("nothing left").isEmpty();
        }

        assertThat(sinkRows()).isEqualTo(changes.rows());
        assertThat(count(db, "SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).isZero();
        assertThat(deadLetterGauges()).as("what a running job's subtask 0 reports after the replay").containsExactly(
                "22001 pending 0 replayed 2", "22003 pending 0 replayed 1", "23514 pending 0 replayed 1",
                "parked pending 0 replayed 4");
        assertAuditClean();
    }

    @Test
    void entriesOlderThanWhatTheSinkHoldsAreSkippedWithoutAWrite() throws Exception {
        try (BatchApplier live = liveApplier(DeadLetterPolicy.CONTINUE)) {
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.INSERT, 1, "c1", "1.00", "ok", 1),
                    changes.upsert(ChangeOperation.INSERT, 2, "c2", "2.00", "ok", 1)));
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 1, "c1", "1.00", LONG_NOTE, 2),
                    changes.upsert(ChangeOperation.UPDATE, 2, "c2", "-2.00", "ok", 2)));
            // with after-rejection: continue the rows' later changes are applied
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 1, "c1", "1.50", "newer", 3), changes.delete(2)));
        }
        assertThat(sinkRows()).isEqualTo(changes.rows());
        execute(db, "ALTER TABLE orders ALTER COLUMN note TYPE TEXT",
                "ALTER TABLE orders DROP CONSTRAINT amount_not_negative");
        long writes = count(db, "SELECT count(*) FROM orders_audit");

        ReplaySummary summary;
        try (DeadLetterReplayer replayer = replayer()) {
            summary = replayer.replay(DeadLetterFilter.pending());
        }

        // with continue the job itself marked them when it applied the rows' later changes: nothing is left to replay
        assertThat(summary.entries()).isEmpty();
        assertThat(sinkRows()).as("the newer version stays, the deleted row stays deleted").isEqualTo(changes.rows());
        assertThat(count(db, "SELECT count(*) FROM orders_audit")).as("no write during the replay").isEqualTo(writes);
        assertThat(count(db, "SELECT count(*) FROM _tidemark_dlq WHERE replay_result = 'SKIPPED'")).isEqualTo(2);
    }

    @Test
    void aChangeTheJobParksAsAReplayClearsItsRowIsAppliedNotStranded() throws Exception {
        try (BatchApplier live = liveApplier(DeadLetterPolicy.PARK)) {
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.INSERT, 1, "c1", "1.00", LONG_NOTE, 1),
                    changes.upsert(ChangeOperation.INSERT, 2, "c2", "2.00", "ok", 1)));
            execute(db, "ALTER TABLE orders ALTER COLUMN note TYPE TEXT");
            // the job has decided to park row 1's next change (its row had a pending entry) ...
            ChangeEvent parkedLate = changes.upsert(ChangeOperation.UPDATE, 1, "c1", "1.50", "later", 2);
            // ... while a replay clears the row and reports success
            ReplaySummary summary;
            try (DeadLetterReplayer replayer = replayer()) {
                summary = replayer.replay(DeadLetterFilter.pending());
            }
            assertThat(summary.complete()).isTrue();
            liveRejected.park(List.of(parkedLate));
            // the row's next change comes: the job applies what the replay could not see, then the change
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 1, "c1", "1.75", "latest", 3)));
        }

        assertThat(sinkRows()).isEqualTo(changes.rows());
        assertThat(count(db, "SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).as("nothing stranded").isZero();
        assertAuditClean();
    }

    @Test
    void withAfterRejectionContinueAReplayNeverBringsBackARowDeletedLaterEvenWithoutItsTombstone() throws Exception {
        try (BatchApplier live = liveApplier(DeadLetterPolicy.CONTINUE)) {
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.INSERT, 1, "c1", "1.00", "ok", 1)));
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 1, "c1", "1.00", LONG_NOTE, 2)));
            live.apply(OrderChanges.batch(changes.delete(1))); // applied: with continue the row goes on
        }
        execute(db, "DELETE FROM _tidemark_tombstones", // the tombstone-retention has passed
                "ALTER TABLE orders ALTER COLUMN note TYPE TEXT");

        try (DeadLetterReplayer replayer = replayer()) {
            replayer.replay(DeadLetterFilter.pending());
        }

        assertThat(sinkRows()).as("row 1 stays deleted").isEqualTo(changes.rows()).isEmpty();
        assertThat(count(db, "SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).isZero();
    }

    @Test
    void anEntryStoredByTheFirstEncodingVersionIsReplayed() throws Exception {
        try (BatchApplier live = liveApplier(DeadLetterPolicy.PARK)) {
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.INSERT, 1, "c1", "1.00", LONG_NOTE, 1),
                    changes.upsert(ChangeOperation.INSERT, 2, "c2", "2.00", "ok", 1)));
        }
        // as the previous release stored it: the same encoding without the leading version byte
        // (ChangeEventSerializerTest reads a change that release actually wrote)
        execute(db, "UPDATE _tidemark_dlq SET event = substring(event from 2)",
                "ALTER TABLE orders ALTER COLUMN note TYPE TEXT");
        assertThat(count(db, "SELECT get_byte(event, 0) FROM _tidemark_dlq")).as("begins with the operation")
                .isEqualTo(ChangeOperation.INSERT.ordinal());

        ReplaySummary summary;
        try (DeadLetterReplayer replayer = replayer()) {
            summary = replayer.replay(DeadLetterFilter.pending());
        }

        assertThat(summary.entries()).extracting(e -> e.rowKey() + " " + e.outcome()).containsExactly("1 APPLIED");
        assertThat(sinkRows()).isEqualTo(changes.rows());
    }

    // ---------------------------------------------------------------------------------------

    private BatchApplier liveApplier(DeadLetterPolicy policy) throws Exception {
        JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(connections, "_tidemark_dlq");
        queue.prepare();
        RejectedChanges rejected = new RejectedChanges(queue, PIPELINE, "warehouse", Map.of(ORDERS, ORDERS), 2, policy,
                new UnregisteredMetricsGroup());
        liveRejected = rejected;
        BatchApplier applier = new BatchApplier(connections, new PostgresSinkDialect(), Map.of(ORDERS, ORDERS), PIPELINE,
                "warehouse-0-0", 0, Set.of(), rejected);
        applier.setRecoveryHorizon(applier.open());
        return applier;
    }

    private DeadLetterReplayer replayer() {
        return new DeadLetterReplayer(PIPELINE, sinkDef, Map.of(ORDERS, ORDERS), DeadLetterQueueDef.defaults(),
                new JdbcDeadLetterQueue(connections, "_tidemark_dlq"));
    }

    /** The pending/replayed gauges a writer registers, read from the queue, per error class of public.orders. */
    private List<String> deadLetterGauges() throws Exception {
        MetricListener metrics = new MetricListener();
        List<String> values = new ArrayList<>();
        try (DeadLetterGauges gauges = new DeadLetterGauges(new JdbcDeadLetterQueue(connections, "_tidemark_dlq"),
                PIPELINE, "warehouse", metrics.getMetricGroup())) {
            gauges.refresh();
            for (String errorClass : List.of("22001", "22003", "23514", "parked")) {
                Optional<Gauge<Long>> pending = metrics.getGauge("sink", "warehouse", "table", "public.orders", "error_class", errorClass,
                        "tidemarkDeadLettersPending");
                Optional<Gauge<Long>> replayed = metrics.getGauge("sink", "warehouse", "table", "public.orders", "error_class", errorClass,
                        "tidemarkDeadLettersReplayed");
                pending.ifPresent(p -> values.add(errorClass + " pending " + p.getValue() + " replayed "
                        + replayed.orElseThrow().getValue()));
            }
        }
        return values;
    }

    private static DeadLetterFilter filterKey(String key) {
        return new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.of(key), Optional.empty(),
                Optional.empty(), Optional.empty(), false);
    }

    private Map<Long, String> sinkRows() throws Exception {
        Map<Long, String> rows = new TreeMap<>();
        try (var c = connect(db); var st = c.createStatement();
                var rs = st.executeQuery("SELECT id, customer, amount::text, note, version FROM orders")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|"
                        + rs.getString(4) + "|" + rs.getInt(5));
            }
        }
        return rows;
    }

    private List<String> queueRows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (var c = connect(db); var st = c.createStatement();
                var rs = st.executeQuery("SELECT row_key, operation, kind, error_class, attempts FROM _tidemark_dlq"
                        + " ORDER BY position")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " "
                        + rs.getInt(5));
            }
        }
        return rows;
    }

    /** No row version written twice, and no row ever written back to an older position. */
    private void assertAuditClean() throws Exception {
        assertThat(count(db, "SELECT count(*) FROM (SELECT op, id, pos FROM orders_audit GROUP BY op, id, pos"
                + " HAVING count(*) > 1) twice")).as("changes applied twice").isZero();
        assertThat(count(db, "SELECT count(*) FROM (SELECT pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) prev"
                + " FROM orders_audit WHERE op <> 'DELETE') v WHERE pos < prev")).as("rows gone back").isZero();
    }
}
