package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkPreparer;
import io.tidemark.pipeline.sink.jdbc.dialect.PostgresSinkDialect;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The sink's guard, replayed by hand against a real PostgreSQL: what a restore does to the sink
 * (re-applying changes it already applied), with the outcome a reader must see. No Flink here, so
 * each case is exact and fast; the pipeline ITCases exercise the same path under real failures.
 */
class GuardedWritesITCase extends PostgresTestBase {

    private static final TableId ITEMS = new TableId("public", "items");
    private static final String[] COLUMNS = {"id", "name", "v"};

    private String db;
    private JdbcConnectionFactory connections;

    @BeforeEach
    void createSink() throws Exception {
        db = createDatabase("sink_guard");
        execute(db, "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, v INT)");
        connections = new JdbcConnectionFactory(jdbcUrl(db), "postgres", Secret.literal("postgres"));
        new JdbcSinkPreparer("test", connections, new PostgresSinkDialect()).prepare(Map.of(ITEMS, ITEMS));
        execute(db,
                "CREATE TABLE audit (seq BIGSERIAL PRIMARY KEY, op TEXT, id BIGINT, pos BIGINT)",
                "CREATE FUNCTION audit_fn() RETURNS trigger AS $$ BEGIN"
                        + " IF TG_OP = 'DELETE' THEN INSERT INTO audit (op, id, pos) VALUES (TG_OP, OLD.id, OLD._tidemark_pos); RETURN OLD; END IF;"
                        + " INSERT INTO audit (op, id, pos) VALUES (TG_OP, NEW.id, NEW._tidemark_pos); RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER audit_t AFTER INSERT OR UPDATE OR DELETE ON items FOR EACH ROW EXECUTE FUNCTION audit_fn()");
    }

    @Test
    void replayedOlderChangesDoNotOverwriteNewerOnesAndAreNotAppliedTwice() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 1, "first", 1, 10), upsert(ChangeOperation.UPDATE, 1, "second", 2, 20));
        apply(upsert(ChangeOperation.UPDATE, 1, "third", 3, 30));
        long writes = count(db, "SELECT count(*) FROM audit");

        // a restore replays everything from position 10 on, in separate batches
        try (BatchApplier restored = applier()) {
            restored.setRecoveryHorizon(restored.open());
            restored.apply(batch(upsert(ChangeOperation.INSERT, 1, "first", 1, 10)));
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 1, "second", 2, 20)));
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 1, "third", 3, 30)));
        }

        assertThat(rows()).containsExactly("1|third|3|30");
        assertThat(count(db, "SELECT count(*) FROM audit")).as("no write at all during the replay").isEqualTo(writes);
    }

    @Test
    void replayedInsertDoesNotResurrectARowDeletedLater() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 7, "alive", 1, 100), upsert(ChangeOperation.UPDATE, 7, "updated", 2, 110));
        apply(delete(7, 120));
        assertThat(rows()).isEmpty();

        try (BatchApplier restored = applier()) {
            restored.setRecoveryHorizon(restored.open());
            assertThat(restored.open()).isEqualTo(120);
            restored.apply(batch(upsert(ChangeOperation.INSERT, 7, "alive", 1, 100)));
            assertThat(rows()).as("a replayed insert must not bring the deleted row back, even for a moment").isEmpty();
            restored.apply(batch(upsert(ChangeOperation.UPDATE, 7, "updated", 2, 110), delete(7, 120)));
            assertThat(rows()).isEmpty();
            // a genuinely newer insert of the same key is applied
            restored.apply(batch(upsert(ChangeOperation.INSERT, 7, "reborn", 1, 130)));
        }

        assertThat(rows()).containsExactly("7|reborn|1|130");
        assertThat(auditOps(7)).containsExactly("INSERT@110", "DELETE@110", "INSERT@130");
    }

    @Test
    void aBatchKeepsOnlyTheNewestChangePerRow() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 1, "a", 1, 10), upsert(ChangeOperation.UPDATE, 1, "b", 2, 11),
                upsert(ChangeOperation.INSERT, 2, "x", 1, 12), delete(2, 13),
                upsert(ChangeOperation.INSERT, 3, "gone", 1, 14), delete(3, 15), upsert(ChangeOperation.INSERT, 3, "back", 1, 16));

        assertThat(rows()).containsExactly("1|b|2|11", "3|back|1|16");
        assertThat(auditOps(1)).containsExactly("INSERT@11");
        assertThat(auditOps(2)).isEmpty();
        assertThat(count(db, "SELECT pos FROM _tidemark_tombstones WHERE table_name = 'public.items' AND row_key = '2'"))
                .isEqualTo(13);
    }

    @Test
    void deletesOnBothSidesOfAnAddedColumnInOneFlushAreAllApplied() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 1, "a", 1, 10), upsert(ChangeOperation.INSERT, 2, "b", 1, 11),
                upsert(ChangeOperation.INSERT, 3, "c", 1, 12), upsert(ChangeOperation.INSERT, 4, "d", 1, 13));
        // the column is added to source and sink mid-stream: one flush holds deletes of both row layouts
        execute(db, "ALTER TABLE items ADD COLUMN note TEXT");

        apply(delete(1, 20), deleteWithNote(2, 21), delete(3, 22), upsert(ChangeOperation.INSERT, 5, "e", 1, 23),
                upsertWithNote(6, "f", "new layout", 24), deleteWithNote(4, 25));

        assertThat(rows()).as("every delete of the flush applied, whatever its row layout")
                .containsExactly("5|e|1|23", "6|f|1|24");
        assertThat(count(db, "SELECT count(*) FROM _tidemark_tombstones")).isEqualTo(4);
    }

        @Test
    void aStalledFlusherOfAnOldAttemptCannotCommitOnceANewAttemptHasReadItsHorizon() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 7, "alive", 1, 10));
        WriterFence fence = new WriterFence(new PostgresSinkDialect(), "guard-test", "warehouse");
        ExecutorService zombie = Executors.newSingleThreadExecutor();
        try (BatchApplier old = applier(); BatchApplier next = applier(); Connection blocker = connect(db)) {
            joinAttempt(old, fence, "job-1:0");
            old.setRecoveryHorizon(old.open());
            // the old attempt's flusher stalls in the middle of a transaction deleting row 7 ...
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("SELECT * FROM items WHERE id = 7 FOR UPDATE");
            Future<?> stalled = zombie.submit(() -> {
                old.apply(batch(delete(7, 20)));
                return null;
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> count(db,
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") > 0);
            // ... while the job restarts: the new attempt takes over and reads its horizon (10) ...
            joinAttempt(next, fence, "job-1:1");
            next.setRecoveryHorizon(next.open());
            // ... then the old flusher wakes up and tries to commit its delete
            blocker.rollback();
            Throwable oldOutcome = catchThrowable(() -> stalled.get(30, TimeUnit.SECONDS));

            // the new attempt replays from its checkpoint: a change below the old delete, above its horizon
            next.apply(batch(upsert(ChangeOperation.UPDATE, 7, "updated", 2, 15)));
            assertThat(count(db, "SELECT count(*) FROM items i JOIN _tidemark_tombstones t"
                    + " ON t.table_name = 'public.items' AND t.row_key = i.id::text WHERE t.pos >= i._tidemark_pos"))
                    .as("no row is older than its own tombstone: the old attempt's delete never committed").isZero();
            next.apply(batch(delete(7, 20)));
            assertThat(rows()).isEmpty();
            assertThat(auditOps(7)).as("row 7 never went back").containsExactly("INSERT@10", "UPDATE@15", "DELETE@15");
            assertThat(oldOutcome).as("the old attempt's commit is refused")
                    .hasRootCauseInstanceOf(WriterFence.WriterFencedException.class);
        } finally {
            zombie.shutdownNow();
        }
    }

    @Test
    void aRestoreReplaysABatchOfAHundredThousandRowsThroughTheTombstoneCheck() throws Exception {
        apply(delete(1, 900_000), delete(2, 900_001), upsert(ChangeOperation.INSERT, 0, "newest", 1, 1_000_000));
        ChangeBatch replay = new ChangeBatch();
        for (long id = 1; id <= 100_000; id++) {
            replay.add(upsert(ChangeOperation.INSERT, id, "r" + id, 1, id));
        }

        try (BatchApplier restored = applier()) {
            restored.setRecoveryHorizon(restored.open());
            assertThat(restored.open()).isEqualTo(1_000_000);
            restored.apply(replay); // every change is at or below the horizon: all checked against tombstones
        }

        assertThat(count(db, "SELECT count(*) FROM items")).isEqualTo(100_000 - 2 + 1);
        assertThat(count(db, "SELECT count(*) FROM items WHERE id IN (1, 2)")).as("deleted later: not resurrected").isZero();
    }

    @Test
    void tombstoneExpiryRemovesOnlyExpiredTombstonesInBoundedTransactions() throws Exception {
        execute(db, "INSERT INTO _tidemark_tombstones (table_name, row_key, pos, deleted_at)"
                + " SELECT 'public.items', g::text, g, now() - interval '2 days' FROM generate_series(1, 25000) g",
                "INSERT INTO _tidemark_tombstones (table_name, row_key, pos, deleted_at)"
                        + " SELECT 'public.items', 'fresh-' || g, g, now() FROM generate_series(1, 10) g");

        try (TombstoneExpiry expiry = new TombstoneExpiry(connections, new PostgresSinkDialect(), Duration.ofDays(1),
                "test-expiry")) {
            assertThat(expiry.expire()).isEqualTo(25_000);
        }

        assertThat(count(db, "SELECT count(*) FROM _tidemark_tombstones")).isEqualTo(10);
        assertThat(count(db, "SELECT count(*) FROM pg_indexes WHERE indexname = '_tidemark_tombstones_deleted_at'"))
                .isEqualTo(1);
    }

    @Test
    void aTruncateEmptiesTheTableOnceEverySubtaskHasArrivedAndNothingFromBeforeItComesBack() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 1, "a", 1, 10), upsert(ChangeOperation.INSERT, 2, "b", 1, 11));
        WriterFence fence = new WriterFence(new PostgresSinkDialect(), "guard-test", "warehouse");
        ChangeEvent truncate = ChangeEvent.truncate(ITEMS, SourcePosition.ofLsn(20), 0);
        TableTruncations truncations = new TableTruncations(new PostgresSinkDialect(), Map.of(ITEMS, ITEMS),
                "guard-test", "warehouse");
        try (BatchApplier subtask0 = applier(); BatchApplier subtask1 = applier()) {
            long epoch = subtask0.joinFence(fence, "job-1:0");
            subtask1.joinFence(fence, "job-1:0");
            assertThat(arrive(subtask0, truncations, truncate.truncateCopy(0, 2), 0, epoch))
                    .isEqualTo(TableTruncations.Outcome.WAITING);
            // subtask 1 still writes a change from before the truncate, then reaches it
            subtask1.apply(batch(upsert(ChangeOperation.INSERT, 3, "c", 1, 15)));
            assertThat(rows()).hasSize(3);
            assertThat(arrive(subtask1, truncations, truncate.truncateCopy(1, 2), 1, epoch))
                    .isEqualTo(TableTruncations.Outcome.APPLIED);
            assertThat(rows()).isEmpty();
            subtask1.apply(batch(upsert(ChangeOperation.INSERT, 1, "after", 1, 25)));
        }

        // a restored attempt: the truncate comes again, and so does a change from before it
        try (BatchApplier restored = applier()) {
            long epoch = restored.joinFence(fence, "job-1:1");
            TableTruncations reloaded = new TableTruncations(new PostgresSinkDialect(), Map.of(ITEMS, ITEMS),
                    "guard-test", "warehouse");
            restored.inTransaction("load", c -> {
                reloaded.load(c);
                return null;
            });
            assertThat(reloaded.supersedes(upsert(ChangeOperation.UPDATE, 2, "b2", 2, 19))).isTrue();
            assertThat(reloaded.supersedes(upsert(ChangeOperation.UPDATE, 2, "b3", 3, 21))).isFalse();
            assertThat(arrive(restored, reloaded, truncate.truncateCopy(0, 2), 0, epoch))
                    .isEqualTo(TableTruncations.Outcome.ALREADY_APPLIED);
            // a dead letter from before the truncate is not replayed over it
            assertThat(restored.replay(upsert(ChangeOperation.UPDATE, 2, "b2", 2, 12))).hasValue(20);
        }
        assertThat(rows()).containsExactly("1|after|1|25");
        assertThat(auditOps(2)).containsExactly("INSERT@11", "DELETE@11");
    }

    @Test
    void progressRecordsTheHighestAppliedPosition() throws Exception {
        apply(upsert(ChangeOperation.INSERT, 1, "a", 1, 500));
        apply(upsert(ChangeOperation.INSERT, 2, "b", 1, 400));

        try (BatchApplier next = applier()) {
            assertThat(next.open()).isEqualTo(500);
        }
    }

    // ---------------------------------------------------------------------------------------

    private BatchApplier applier() {
        return new BatchApplier(connections, new PostgresSinkDialect(), Map.of(ITEMS, ITEMS), "guard-test", "w-0", 0, java.util.Set.of(), null);
    }

    private static TableTruncations.Outcome arrive(BatchApplier applier, TableTruncations truncations, ChangeEvent copy,
            int subtask, long epoch) throws Exception {
        return applier.inTransaction("arrive", c -> truncations.arrive(c, copy, subtask, epoch));
    }

    /** A writer of one job attempt: takes the sink over from older attempts before it reads its horizon. */
    private static void joinAttempt(BatchApplier applier, WriterFence fence, String attempt) throws Exception {
        applier.joinFence(fence, attempt);
    }

    private void apply(ChangeEvent... events) throws Exception {
        try (BatchApplier applier = applier()) {
            applier.setRecoveryHorizon(applier.open());
            applier.apply(batch(events));
        }
    }

    private static ChangeBatch batch(ChangeEvent... events) {
        ChangeBatch batch = new ChangeBatch();
        for (ChangeEvent e : events) {
            batch.add(e);
        }
        return batch;
    }

    private static ChangeEvent upsert(ChangeOperation op, long id, String name, int v, long pos) {
        return new ChangeEvent(op, ITEMS, COLUMNS, new int[] {0}, null, new Object[] {id, name, v},
                SourcePosition.ofLsn(pos), 0);
    }

    private static final String[] COLUMNS_WITH_NOTE = {"id", "name", "v", "note"};

    private static ChangeEvent upsertWithNote(long id, String name, String note, long pos) {
        return new ChangeEvent(ChangeOperation.INSERT, ITEMS, COLUMNS_WITH_NOTE, new int[] {0}, null,
                new Object[] {id, name, 1, note}, SourcePosition.ofLsn(pos), 0);
    }

    private static ChangeEvent deleteWithNote(long id, long pos) {
        return new ChangeEvent(ChangeOperation.DELETE, ITEMS, COLUMNS_WITH_NOTE, new int[] {0},
                new Object[] {id, null, null, null}, null, SourcePosition.ofLsn(pos), 0);
    }

    private static ChangeEvent delete(long id, long pos) {
        return new ChangeEvent(ChangeOperation.DELETE, ITEMS, COLUMNS, new int[] {0}, new Object[] {id, null, null},
                null, SourcePosition.ofLsn(pos), 0);
    }

    private List<String> rows() throws Exception {
        return query("SELECT id || '|' || name || '|' || v || '|' || _tidemark_pos FROM items ORDER BY id");
    }

    private List<String> auditOps(long id) throws Exception {
        return query("SELECT op || '@' || pos FROM audit WHERE id = " + id + " ORDER BY seq");
    }

    private List<String> query(String sql) throws Exception {
        try (var c = connect(db); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
