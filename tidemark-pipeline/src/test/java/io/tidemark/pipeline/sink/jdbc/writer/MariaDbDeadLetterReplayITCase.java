package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.JdbcDeadLetterQueue;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkPreparer;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.testing.MariaDbTestServer;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dead-letter queue and its replay on a real MariaDB sink (the MySQL dialect, the queue table in
 * the sink's database): changes MariaDB rejects in strict mode (value too long, a CHECK constraint,
 * out of range) are queued with their SQLSTATE and their rows' later changes parked; after the fix a
 * replay interrupted halfway and run again leaves the sink equal to the source, and a trigger shows
 * no change applied twice and no row going back to an older position.
 */
class MariaDbDeadLetterReplayITCase {

    private static final String PIPELINE = "replay-mariadb";
    private static final String LONG_NOTE = "n".repeat(100);

    private final MariaDbTestServer server = MariaDbTestServer.get();
    private String db;
    private TableId orders;
    private JdbcConnectionFactory connections;
    private JdbcSinkDef sinkDef;
    private OrderChanges changes;

    @BeforeEach
    void createSink() throws Exception {
        db = server.createDatabase("sink_dlq");
        orders = new TableId(db, "orders");
        changes = new OrderChanges(orders);
        // narrower than the source: note up to 60 characters, no negative amount, a smallint version
        server.execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(100) NOT NULL,"
                + " amount DECIMAL(12, 2) NOT NULL, note VARCHAR(60), version SMALLINT NOT NULL,"
                + " CONSTRAINT amount_not_negative CHECK (amount >= 0))");
        String url = server.jdbcUrl(db) + "?allowPublicKeyRetrieval=true&useSSL=false";
        connections = new JdbcConnectionFactory(url, MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD));
        new JdbcSinkPreparer("warehouse", connections, SinkDialect.forUrl(url)).prepare(Map.of(orders, orders));
        server.execute(db,
                "CREATE TABLE audit (seq BIGINT AUTO_INCREMENT PRIMARY KEY, op VARCHAR(8), id BIGINT, pos BIGINT)",
                "CREATE TRIGGER audit_i AFTER INSERT ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('INSERT', NEW.id, NEW._tidemark_pos)",
                "CREATE TRIGGER audit_u AFTER UPDATE ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) SELECT 'UPDATE', NEW.id, NEW._tidemark_pos"
                        + " FROM DUAL WHERE NOT (NEW._tidemark_pos <=> OLD._tidemark_pos)",
                "CREATE TRIGGER audit_d AFTER DELETE ON orders FOR EACH ROW"
                        + " INSERT INTO audit (op, id, pos) VALUES ('DELETE', OLD.id, OLD._tidemark_pos)");
        sinkDef = new JdbcSinkDef("warehouse", url, MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD),
                2000, Duration.ofMillis(100), 1, Duration.ofDays(7), 1);
    }

    @Test
    void rejectedChangesAreQueuedAndAReplayInterruptedAndRerunLeavesTheSinkEqualAndAppliedOnce() throws Exception {
        try (BatchApplier live = liveApplier()) {
            List<ChangeEvent> inserts = new ArrayList<>();
            for (long id = 1; id <= 20; id++) {
                inserts.add(changes.upsert(ChangeOperation.INSERT, id, "c" + id, "10.00", "ok", 1));
            }
            live.apply(OrderChanges.batch(inserts));
            live.apply(OrderChanges.batch(
                    changes.upsert(ChangeOperation.UPDATE, 5, "c5", "10.00", LONG_NOTE, 2), // 22001 data too long
                    changes.upsert(ChangeOperation.UPDATE, 6, "c6", "-1.00", "ok", 2), // 23000 CHECK constraint
                    changes.upsert(ChangeOperation.UPDATE, 7, "c7", "10.00", "ok", 40_000), // out of range: see below
                    changes.upsert(ChangeOperation.UPDATE, 1, "c1", "11.00", "ok", 2)));
            live.apply(OrderChanges.batch(changes.upsert(ChangeOperation.UPDATE, 5, "c5", "15.00", "fine", 3), // parked behind 5
                    changes.delete(6), // parked behind 6
                    changes.upsert(ChangeOperation.UPDATE, 2, "c2", "12.00", "ok", 2)));
        }
        Set<Long> poison = Set.of(5L, 6L, 7L);
        assertThat(OrderChanges.except(sinkRows(), poison)).isEqualTo(OrderChanges.except(changes.rows(), poison));
        // Connector/J reports MariaDB's out-of-range error (1264) as a data truncation, SQLSTATE 22001;
        // the server's message says which it was
        assertThat(queueRows()).containsExactly("5 UPDATE REJECTED 22001", "6 UPDATE REJECTED 23000",
                "7 UPDATE REJECTED 22001", "5 UPDATE PARKED parked", "6 DELETE PARKED parked");
        assertThat(count("SELECT count(*) FROM _tidemark_dlq WHERE row_key = '7' AND error_message LIKE '%Out of range%'"))
                .isEqualTo(1);

        server.execute(db, "ALTER TABLE orders MODIFY note TEXT", "ALTER TABLE orders DROP CONSTRAINT amount_not_negative",
                "ALTER TABLE orders MODIFY version INT NOT NULL");

        try (DeadLetterReplayer replayer = replayer()) {
            int[] seen = {0};
            assertThatThrownBy(() -> replayer.replay(DeadLetterFilter.pending(), entry -> {
                if (++seen[0] == 3) {
                    throw new InterruptedException("simulated crash");
                }
            })).isInstanceOf(InterruptedException.class);
        }
        try (DeadLetterReplayer replayer = replayer()) {
            ReplaySummary rerun = replayer.replay(DeadLetterFilter.pending());
            assertThat(rerun.complete()).isTrue();
            assertThat(replayer.replay(DeadLetterFilter.pending()).entries()).as("nothing left").isEmpty();
        }

        assertThat(sinkRows()).isEqualTo(changes.rows());
        assertThat(count("SELECT count(*) FROM _tidemark_dlq WHERE replayed_at IS NULL")).isZero();
        assertThat(count("SELECT count(*) FROM (SELECT op, id, pos FROM audit GROUP BY op, id, pos HAVING count(*) > 1) t"))
                .as("changes applied twice").isZero();
        assertThat(count("SELECT count(*) FROM (SELECT pos, lag(pos) OVER (PARTITION BY id ORDER BY seq) prev"
                + " FROM audit WHERE op <> 'DELETE') v WHERE pos < prev")).as("rows gone back").isZero();
    }

    // ---------------------------------------------------------------------------------------

    private BatchApplier liveApplier() throws Exception {
        JdbcDeadLetterQueue queue = new JdbcDeadLetterQueue(connections, "_tidemark_dlq");
        queue.prepare();
        RejectedChanges rejected = new RejectedChanges(queue, PIPELINE, "warehouse", Map.of(orders, orders), 2,
                DeadLetterPolicy.PARK, new UnregisteredMetricsGroup());
        BatchApplier applier = new BatchApplier(connections, SinkDialect.forUrl(connections.url()), Map.of(orders, orders),
                PIPELINE, "warehouse-0-0", 0, Set.of(), rejected);
        applier.setRecoveryHorizon(applier.open());
        return applier;
    }

    private DeadLetterReplayer replayer() {
        return new DeadLetterReplayer(PIPELINE, sinkDef, Map.of(orders, orders), DeadLetterQueueDef.defaults(),
                new JdbcDeadLetterQueue(connections, "_tidemark_dlq"));
    }

    private Map<Long, String> sinkRows() throws Exception {
        Map<Long, String> rows = new TreeMap<>();
        try (Connection c = server.connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, customer, amount, note, version FROM orders")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getBigDecimal(3).toPlainString()
                        + "|" + rs.getString(4) + "|" + rs.getInt(5));
            }
        }
        return rows;
    }

    private List<String> queueRows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = server.connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT row_key, operation, kind, error_class FROM _tidemark_dlq ORDER BY position")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }

    private long count(String sql) throws Exception {
        try (Connection c = server.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
