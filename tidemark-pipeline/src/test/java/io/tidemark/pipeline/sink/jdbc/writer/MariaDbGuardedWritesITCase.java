package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkPreparer;
import io.tidemark.pipeline.sink.jdbc.dialect.MySqlSinkDialect;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.testing.MariaDbTestServer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The same guard as {@link GuardedWritesITCase}, on a real MariaDB through the MySQL dialect: the
 * guard in {@code ON DUPLICATE KEY UPDATE}, deletes with tombstones, the recovery horizon. A
 * trigger records every change of a row's position; a replay must record none.
 */
class MariaDbGuardedWritesITCase {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String[] COLUMNS = {"id", "name", "v", "amount", "born", "at"};

    private final MariaDbTestServer server = MariaDbTestServer.get();
    private final SinkDialect dialect = SinkDialect.forUrl("jdbc:mysql://x/y");
    private String db;
    private TableId items;
    private JdbcConnectionFactory connections;

    @BeforeEach
    void createSink() throws Exception {
        db = "sink_guard_" + DATABASES.incrementAndGet();
        items = new TableId(db, "items");
        server.execute("", "CREATE DATABASE " + db);
        server.execute(db,
                "CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(100) CHARACTER SET utf8mb4, v INT,"
                        + " amount DECIMAL(38, 10), born DATE, at DATETIME(6))");
        connections = new JdbcConnectionFactory(server.jdbcUrl(db) + "?allowPublicKeyRetrieval=true&useSSL=false",
                MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD));
        new JdbcSinkPreparer("test", connections, dialect).prepare(Map.of(items, items));
        server.execute(db,
                "CREATE TABLE audit (seq BIGINT AUTO_INCREMENT PRIMARY KEY, op VARCHAR(8), id BIGINT, pos BIGINT)",
                "CREATE TRIGGER audit_i AFTER INSERT ON items FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('INSERT', NEW.id, NEW._tidemark_pos)",
                "CREATE TRIGGER audit_u AFTER UPDATE ON items FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) SELECT 'UPDATE', NEW.id, NEW._tidemark_pos"
                        + " FROM DUAL WHERE NOT (NEW._tidemark_pos <=> OLD._tidemark_pos)",
                "CREATE TRIGGER audit_d AFTER DELETE ON items FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('DELETE', OLD.id, OLD._tidemark_pos)");
    }

    @Test
    void dialectIsChosenByUrl() {
        assertThat(dialect).isInstanceOf(MySqlSinkDialect.class);
        assertThat(SinkDialect.forUrl("jdbc:mariadb://h/d")).isInstanceOf(MySqlSinkDialect.class);
    }

    @Test
    void replayedOlderChangesLeaveRowsAsTheyAre() throws Exception {
        apply(upsert(1, "first 東京", 1, 10), upsert(1, "second", 2, 20));
        apply(upsert(1, "third ✓", 3, 30));
        long writes = count("SELECT count(*) FROM audit");

        try (BatchApplier restored = applier()) {
            restored.setRecoveryHorizon(restored.open());
            restored.apply(batch(upsert(1, "first 東京", 1, 10)));
            restored.apply(batch(upsert(1, "second", 2, 20)));
            restored.apply(batch(upsert(1, "third ✓", 3, 30)));
        }

        assertThat(rows()).containsExactly("1|third ✓|3|1.5000000000|2024-02-29|2024-01-02 03:04:05.123456|30");
        assertThat(count("SELECT count(*) FROM audit")).isEqualTo(writes);
    }

    @Test
    void replayedInsertDoesNotResurrectADeletedRow() throws Exception {
        apply(upsert(7, "alive", 1, 100));
        apply(delete(7, 120));

        try (BatchApplier restored = applier()) {
            assertThat(restored.open()).isEqualTo(120);
            restored.setRecoveryHorizon(120);
            restored.apply(batch(upsert(7, "alive", 1, 100)));
            assertThat(rows()).isEmpty();
            restored.apply(batch(upsert(7, "reborn", 1, 130)));
        }

        assertThat(rows()).containsExactly("7|reborn|1|1.5000000000|2024-02-29|2024-01-02 03:04:05.123456|130");
        assertThat(audit(7)).containsExactly("INSERT@100", "DELETE@100", "INSERT@130");
    }

    @Test
    void olderDeleteDoesNotRemoveANewerRow() throws Exception {
        apply(upsert(3, "newer", 5, 200));
        apply(delete(3, 150));

        assertThat(rows()).containsExactly("3|newer|5|1.5000000000|2024-02-29|2024-01-02 03:04:05.123456|200");
    }

    @Test
    void deletesOfTwoRowLayoutsInOneFlushAreAllApplied() throws Exception {
        apply(upsert(1, "a", 1, 10), upsert(2, "b", 1, 11), upsert(3, "c", 1, 12));
        server.execute(db, "ALTER TABLE items ADD COLUMN note VARCHAR(20)");
        String[] withNote = {"id", "name", "v", "amount", "born", "at", "note"};

        apply(delete(1, 20), new ChangeEvent(ChangeOperation.DELETE, items, withNote, new int[] {0},
                new Object[] {2L, null, null, null, null, null, null}, null, SourcePosition.ofLsn(21), 0), delete(3, 22));

        assertThat(rows()).isEmpty();
    }

    @Test
    void aStalledFlusherOfAnOldAttemptCannotCommitOnceANewAttemptHasReadItsHorizon() throws Exception {
        apply(upsert(7, "alive", 1, 10));
        WriterFence fence = new WriterFence(dialect, "guard-test", "warehouse");
        ExecutorService zombie = Executors.newSingleThreadExecutor();
        try (BatchApplier old = applier(); BatchApplier next = applier(); Connection blocker = server.connect(db)) {
            old.joinFence(fence, "job-1:0");
            old.setRecoveryHorizon(old.open());
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("SELECT * FROM items WHERE id = 7 FOR UPDATE");
            Future<?> stalled = zombie.submit(() -> {
                old.apply(batch(delete(7, 20)));
                return null;
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM information_schema.innodb_trx"
                    + " WHERE trx_state = 'LOCK WAIT'") > 0);
            next.joinFence(fence, "job-1:1");
            next.setRecoveryHorizon(next.open());
            blocker.rollback();
            Throwable oldOutcome = catchThrowable(() -> stalled.get(30, TimeUnit.SECONDS));

            next.apply(batch(upsert(7, "updated", 2, 15)));
            assertThat(count("SELECT count(*) FROM items i JOIN _tidemark_tombstones t ON t.table_name = '" + items
                    + "' AND t.row_key = CAST(i.id AS CHAR) WHERE t.pos >= i._tidemark_pos")).isZero();
            next.apply(batch(delete(7, 20)));
            assertThat(rows()).isEmpty();
            assertThat(audit(7)).containsExactly("INSERT@10", "UPDATE@15", "DELETE@15");
            assertThat(oldOutcome).hasRootCauseInstanceOf(WriterFence.WriterFencedException.class);
        } finally {
            zombie.shutdownNow();
        }
    }

    @Test
    void aRestoreReplaysABatchOfAHundredThousandRowsThroughTheTombstoneCheck() throws Exception {
        apply(delete(1, 900_000), delete(2, 900_001), upsert(0, "newest", 1, 1_000_000));
        ChangeBatch replay = new ChangeBatch();
        for (long id = 1; id <= 100_000; id++) {
            replay.add(upsert(id, "r" + id, 1, id));
        }

        try (BatchApplier restored = applier()) {
            restored.setRecoveryHorizon(restored.open());
            restored.apply(replay);
        }

        assertThat(count("SELECT count(*) FROM items")).isEqualTo(100_000 - 2 + 1);
        assertThat(count("SELECT count(*) FROM items WHERE id IN (1, 2)")).isZero();
    }

    @Test
    void tombstoneExpiryRemovesOnlyExpiredTombstonesInBoundedTransactions() throws Exception {
        server.execute(db, "INSERT INTO _tidemark_tombstones (table_name, row_key, pos, deleted_at)"
                + " SELECT 'x.items', seq, seq, NOW(6) - INTERVAL 2 DAY FROM seq_1_to_25000",
                "INSERT INTO _tidemark_tombstones (table_name, row_key, pos, deleted_at)"
                        + " SELECT 'x.items', CONCAT('fresh-', seq), seq, NOW(6) FROM seq_1_to_10");

        try (TombstoneExpiry expiry = new TombstoneExpiry(connections, dialect, Duration.ofDays(1), "test-expiry")) {
            assertThat(expiry.expire()).isEqualTo(25_000);
        }

        assertThat(count("SELECT count(*) FROM _tidemark_tombstones")).isEqualTo(10);
        assertThat(count("SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE()"
                + " AND index_name = '_tidemark_tombstones_deleted_at'")).isEqualTo(1);
    }

    @Test
    void anUpsertThatMeetsAnotherRowOnASecondaryUniqueIndexNeverMergesTheTwoRows() throws Exception {
        server.execute(db, "ALTER TABLE items ADD UNIQUE KEY items_name_key (name)");
        apply(upsert(1, "shared", 1, 10));

        // row 2 takes a name row 1 still holds (as while catching up after a snapshot): ON DUPLICATE KEY UPDATE
        // finds row 1 through the unique index
        try (BatchApplier applier = applier()) {
            applier.setRecoveryHorizon(applier.open());
            assertThatThrownBy(() -> applier.apply(batch(upsert(2, "shared", 7, 20))))
                    .isInstanceOf(java.sql.SQLException.class)
                    .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).startsWith("23"));
        }

        assertThat(rows()).as("row 1 is not overwritten by row 2's values").containsExactly(
                "1|shared|1|1.5000000000|2024-02-29|2024-01-02 03:04:05.123456|10");
    }

    // ---------------------------------------------------------------------------------------

    private BatchApplier applier() {
        return new BatchApplier(connections, dialect, Map.of(items, items), "guard-test", "w-0", 0, java.util.Set.of(), null);
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

    private ChangeEvent upsert(long id, String name, int v, long pos) {
        return new ChangeEvent(ChangeOperation.UPDATE, items, COLUMNS, new int[] {0}, null,
                new Object[] {id, name, v, new BigDecimal("1.5"), LocalDate.of(2024, 2, 29),
                        LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000)},
                SourcePosition.ofLsn(pos), 0);
    }

    private ChangeEvent delete(long id, long pos) {
        return new ChangeEvent(ChangeOperation.DELETE, items, COLUMNS, new int[] {0},
                new Object[] {id, null, null, null, null, null}, null, SourcePosition.ofLsn(pos), 0);
    }

    private List<String> rows() throws Exception {
        return query("SELECT CONCAT_WS('|', id, name, v, amount, born, at, _tidemark_pos) FROM items ORDER BY id");
    }

    private List<String> audit(long id) throws Exception {
        return query("SELECT CONCAT(op, '@', pos) FROM audit WHERE id = " + id + " ORDER BY seq");
    }

    private long count(String sql) throws Exception {
        return Long.parseLong(query(sql).get(0));
    }

    private List<String> query(String sql) throws Exception {
        try (var c = server.connect(db); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
