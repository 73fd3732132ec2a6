package io.tidemark.cli.chaos;

import io.tidemark.cli.chaos.ChaosReport.SinkCheck;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.sink.redis.OrderHashes;
import io.tidemark.pipeline.sink.redis.RedisVersionWatcher;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.RestartablePostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The comparisons at the end of a chaos run, as a user would make them: each sink's rows against
 * its source's, row by row; the sink's audit table for versions written twice or going back; the
 * dead-letter queue against the poison rows.
 */
final class ChaosChecks {

    /** The {@code orders} row of a PostgreSQL database as one line of text, by id. */
    private static final String POSTGRES_ROW = "SELECT id, concat_ws('|', id, customer, amount::text, status,"
            + " coalesce(note, '<null>'), to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), version)"
            + " FROM orders";
    /** The same line for a MariaDB row. */
    private static final String MARIADB_ROW = "SELECT id, CONCAT_WS('|', id, customer, CAST(amount AS CHAR), status,"
            + " COALESCE(note, '<null>'), DATE_FORMAT(CONVERT_TZ(updated_at, @@session.time_zone, '+00:00'),"
            + " '%Y-%m-%d %H:%i:%s.%f'), version) FROM orders";

    private ChaosChecks() {}

    /** Whether every sink holds what its source holds (the poison rows aside where the sink rejects them). */
    static boolean converged(RestartablePostgres source, String sourceDb, MariaDbTestServer mariaDb, String mariaDbName,
            RestartablePostgres sink, String pgSinkDb, String mariaSinkDb, EmbeddedRedis redis, String redisPattern)
            throws SQLException {
        return withoutPoison(postgresRows(source, sourceDb)).equals(withoutPoison(postgresRows(sink, pgSinkDb)))
                && withoutPoison(mariaDbRows(mariaDb, mariaDbName)).equals(withoutPoison(postgresRows(sink, mariaSinkDb)))
                && sourceHashes(source, sourceDb, redisPattern).equals(OrderHashes.read(redis.commands(), redisPattern + "*"));
    }

    /** A JDBC sink fed from a PostgreSQL source. */
    static SinkCheck postgresSink(String name, RestartablePostgres source, String sourceDb, RestartablePostgres sink,
            String sinkDb) throws SQLException {
        return jdbcSink(name, withoutPoison(postgresRows(source, sourceDb)), sink, sinkDb);
    }

    /** A JDBC sink fed from a MariaDB source. */
    static SinkCheck mariaDbSink(String name, MariaDbTestServer source, String sourceDb, RestartablePostgres sink,
            String sinkDb) throws SQLException {
        return jdbcSink(name, withoutPoison(mariaDbRows(source, sourceDb)), sink, sinkDb);
    }

    /** The Redis sink, which takes the poison rows too; what went back is what the watcher saw. */
    static SinkCheck redisSink(String name, RestartablePostgres source, String sourceDb, EmbeddedRedis redis,
            String pattern, RedisVersionWatcher watcher) throws SQLException {
        Map<String, Map<String, String>> expected = sourceHashes(source, sourceDb, pattern);
        Map<String, Map<String, String>> actual = OrderHashes.read(redis.commands(), pattern + "*");
        watcher.catchUp();
        if (watcher.writes() < expected.size()) {
            throw new AssertionError("the Redis watcher saw only " + watcher.writes() + " writes for " + expected.size()
                    + " rows: what it says about versions going back would mean little; " + watcher);
        }
        return new SinkCheck(name, expected.size(), lost(expected, actual), extra(expected, actual), null,
                watcher.regressionCount(), null, 0, Set.of(), 0);
    }

    private static SinkCheck jdbcSink(String name, Map<Long, String> expected, RestartablePostgres sink, String db)
            throws SQLException {
        Map<Long, String> actual = withoutPoison(postgresRows(sink, db));
        long twice = sink.count(db, "SELECT count(*) FROM (SELECT id, pos FROM orders_audit WHERE op <> 'DELETE'"
                + " GROUP BY id, pos HAVING count(*) > 1) d");
        long back = sink.count(db, "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY id ORDER BY seq)"
                + " AS prev FROM orders_audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos < prev");
        Set<Long> rejected = new HashSet<>();
        for (String key : sink.column(db, "SELECT row_key FROM _tidemark_dlq WHERE kind = 'REJECTED'")) {
            rejected.add(Long.parseLong(key));
        }
        Set<Long> parked = new HashSet<>();
        for (String key : sink.column(db, "SELECT DISTINCT row_key FROM _tidemark_dlq WHERE kind = 'PARKED'")) {
            parked.add(Long.parseLong(key));
        }
        long rejectedEntries = sink.count(db, "SELECT count(*) FROM _tidemark_dlq WHERE kind = 'REJECTED'");
        long queuedTwice = sink.count(db, "SELECT count(*) FROM (SELECT row_key, position FROM _tidemark_dlq"
                + " GROUP BY row_key, position HAVING count(*) > 1) d");
        return new SinkCheck(name, expected.size(), lost(expected, actual), extra(expected, actual), twice, back,
                rejected, rejectedEntries, parked, queuedTwice);
    }

    private static <K, V> long lost(Map<K, V> expected, Map<K, V> actual) {
        return expected.entrySet().stream().filter(e -> !Objects.equals(e.getValue(), actual.get(e.getKey()))).count();
    }

    private static <K, V> long extra(Map<K, V> expected, Map<K, V> actual) {
        return actual.keySet().stream().filter(k -> !expected.containsKey(k)).count();
    }

    private static Map<Long, String> withoutPoison(Map<Long, String> rows) {
        rows.keySet().removeAll(ChaosWorkload.POISONED);
        return rows;
    }

    private static Map<Long, String> postgresRows(RestartablePostgres server, String db) throws SQLException {
        try (Connection c = server.connect(db)) {
            return rows(c, POSTGRES_ROW);
        }
    }

    private static Map<Long, String> mariaDbRows(MariaDbTestServer server, String db) throws SQLException {
        try (Connection c = server.connect(db)) {
            return rows(c, MARIADB_ROW);
        }
    }

    private static Map<Long, String> rows(Connection c, String sql) throws SQLException {
        Map<Long, String> rows = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getString(2));
            }
        }
        return rows;
    }

    /** Each PostgreSQL source row as the hash the Redis sink should hold, keyed by its Redis key. */
    private static Map<String, Map<String, String>> sourceHashes(RestartablePostgres source, String db, String pattern)
            throws SQLException {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        try (Connection c = source.connect(db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT id, customer, amount::text, status, note, updated_at, version FROM orders")) {
            while (rs.next()) {
                rows.put(pattern + rs.getLong(1), OrderHashes.of(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getInt(7)));
            }
        }
        return rows;
    }
}
