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

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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
