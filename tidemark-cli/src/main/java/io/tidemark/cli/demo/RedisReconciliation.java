package io.tidemark.cli.demo;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.redis.RedisConnector;
import io.tidemark.pipeline.sink.redis.RedisRowEncoder;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Compares the demo's tables with the Redis sink's keys the way a user would check them, from
 * outside the pipeline: every source row, read with SQL, must have its hash at {@code
 * {key-prefix}:{schema.table}:{primary key}}, holding each non-null column as the text the sink
 * writes ({@code docs/redis-sink.md}) plus {@code _tidemark_pos}; and no other key of the table may
 * be left (e.g. of a deleted row). Key layout and value text come from the sink's {@link
 * RedisRowEncoder}, the values themselves from the source and from Redis.
 */
final class RedisReconciliation implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int SCAN_PAGE = 1000;

    /** The comparison of one table in the Redis sink. */
    public record TableReport(String table, long sourceRows, long sinkRows, int missing, int extra, int differing)
            implements TableComparison {

        @Override
        public boolean equal() {
            return missing == 0 && extra == 0 && differing == 0;
        }

        @Override
        public String sink() {
            return "redis";
        }

        @Override
        public String unit() {
            return "keys";
        }

        @Override
        public String detail() {
            if (equal()) {
                return "a hash per row, every field equal";
            }
            return String.format(Locale.ROOT, "source %,d rows; %,d missing, %,d extra, %,d differ",
                    sourceRows, missing, extra, differing);
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("table", table);
            json.put("sink", sink());
            json.put("sourceRows", sourceRows);
            json.put("sinkKeys", sinkRows);
            json.put("missingKeys", missing);
            json.put("extraKeys", extra);
            json.put("differingKeys", differing);
            json.put("result", equal() ? "EQUAL" : "DIFFERENT");
            return json;
        }
    }

    private final String keyPrefix;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private RedisReconciliation(String keyPrefix, RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.keyPrefix = keyPrefix;
        this.client = client;
        this.connection = connection;
    }

    /** Connects to the sink's server as the sink does. The demo's sink stores hashes. */
    static RedisReconciliation connect(RedisSinkDef sink) {
        if (sink.format() != RedisValueFormat.HASH) {
            throw new IllegalArgumentException("sink " + sink.name() + ": the demo reconciles format hash only");
        }
        RedisClient client = RedisConnector.of(sink).createClient();
        try {
            return new RedisReconciliation(sink.keyPrefix(), client, client.connect());
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /** Row keys per table, in the order of {@code tables}. */
    long[] counts(List<String> tables) {
        long[] counts = new long[tables.size()];
        for (int i = 0; i < tables.size(); i++) {
            counts[i] = keys(tables.get(i)).size();
        }
        return counts;
    }

    /** Compares each of {@code tables} ({@code schema.table}, the route's sink table being the same name). */
    List<TableReport> compare(Connection source, List<String> tables) throws SQLException {
        List<TableReport> reports = new ArrayList<>();
        for (String table : tables) {
            reports.add(comparison(source, table).report());
        }
        return reports;
    }

    /**
     * Up to {@code limit} keys of {@code table} that differ, each as {@code only in source: <key>},
     * {@code only in Redis: <key>} or {@code differs: <key>: <field> <source text> / <Redis text>}.
     */
    List<String> differences(Connection source, String table, int limit) throws SQLException {
        return comparison(source, table).differences().values().stream().limit(limit).toList();
    }

    private record Comparison(String table, long sourceRows, long keys, int missing, int extra, int differing,
            SortedMap<String, String> differences) {
        TableReport report() {
            return new TableReport(table, sourceRows, keys, missing, extra, differing);
        }
    }

    private Comparison comparison(Connection source, String table) throws SQLException {
        Map<String, Map<String, String>> expected = sourceHashes(source, table);
        Map<String, Map<String, String>> actual = redisHashes(table);
        SortedMap<String, String> differences = new TreeMap<>();
        int missing = 0;
        int extra = 0;
        int differing = 0;
        TreeSet<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String key : keys) {
            Map<String, String> row = expected.get(key);
            Map<String, String> hash = actual.get(key);
            if (hash == null) {
                missing++;
                differences.put(key, "only in source: " + key);
            } else if (row == null) {
                extra++;
                differences.put(key, "only in Redis: " + key);
            } else {
                String difference = difference(row, hash);
                if (difference != null) {
                    differing++;
                    differences.put(key, "differs: " + key + ": " + difference);
                }
            }
        }
        return new Comparison(table, expected.size(), actual.size(), missing, extra, differing, differences);
    }

    /** The first field whose text differs, or null if the hash holds exactly the row and a position. */
    private static String difference(Map<String, String> row, Map<String, String> hash) {
        Map<String, String> fields = new HashMap<>(hash);
        if (fields.remove(RedisRowEncoder.POSITION_FIELD) == null) {
            return "no " + RedisRowEncoder.POSITION_FIELD + " field";
        }
        if (fields.equals(row)) {
            return null;
        }
        TreeSet<String> names = new TreeSet<>(row.keySet());
        names.addAll(fields.keySet());
        for (String name : names) {
            String expected = row.get(name);
            String actual = fields.get(name);
            if (expected == null ? actual != null : !expected.equals(actual)) {
                return name + " " + shown(expected) + " / " + shown(actual);
            }
        }
        return null;
    }

    private static String shown(String text) {
        return text == null ? "(none)" : "'" + text + "'";
    }

    /** Each source row as the hash the sink should hold for it (without the position), by its key. */
    private Map<String, Map<String, String>> sourceHashes(Connection source, String table) throws SQLException {
        Reconciliation.Columns columns = Reconciliation.columns(source, table);
        TableId tableId = TableId.parse(table);
        int[] keyColumns = columns.key().stream().mapToInt(k -> columns.all().indexOf(k)).toArray();
        Map<String, Map<String, String>> rows = new HashMap<>();
        try (PreparedStatement ps = source.prepareStatement(
                        "SELECT " + columns.selectList() + " FROM " + Reconciliation.quote(table));
                ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Object[] values = new Object[columns.all().size()];
                Map<String, String> hash = new HashMap<>();
                for (int i = 0; i < values.length; i++) {
                    values[i] = value(rs, i + 1, meta.getColumnTypeName(i + 1));
                    if (values[i] != null) {
                        hash.put(columns.all().get(i), RedisRowEncoder.text(values[i]));
                    }
                }
                Object[] key = new Object[keyColumns.length];
                for (int k = 0; k < keyColumns.length; k++) {
                    key[k] = values[keyColumns[k]];
                }
                rows.put(RedisRowEncoder.dataKey(keyPrefix, tableId, key), hash);
            }
        }
        return rows;
    }

    /**
     * A column value read with JDBC as the Java type the pipeline carries it in (see {@code
     * RowValues}): timestamps as java.time values (timestamptz in UTC, as the source delivers
     * it), numeric as BigDecimal with its scale, numbers and booleans as themselves, text-like
     * types (text, varchar, char, json, jsonb, uuid, enums) as their text.
     */
    private static Object value(ResultSet rs, int column, String type) throws SQLException {
        return switch (type) {
            case "timestamptz" -> rs.getObject(column, OffsetDateTime.class);
            case "timestamp" -> rs.getObject(column, LocalDateTime.class);
            case "date" -> rs.getObject(column, LocalDate.class);
            case "time" -> rs.getObject(column, LocalTime.class);
            case "numeric" -> rs.getBigDecimal(column);
            case "bytea" -> rs.getBytes(column);
            case "int2", "int4", "int8", "float4", "float8", "bool" -> rs.getObject(column);
            default -> {
                if (type.startsWith("_")) {
                    throw new IllegalStateException("the demo does not reconcile array columns (" + type + ")");
                }
                yield rs.getString(column);
            }
        };
    }

    /** Every row key of {@code table} in Redis with its hash. */
    private Map<String, Map<String, String>> redisHashes(String table) {
        List<String> keys = keys(table);
        List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>(keys.size());
        for (String key : keys) {
            hashes.add(connection.async().hgetall(key));
        }
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            Map<String, String> hash = await(hashes.get(i));
            if (!hash.isEmpty()) { // empty: the key was deleted since the scan
                rows.put(keys.get(i), hash);
            }
        }
        return rows;
    }

    /** The row keys of {@code table}: {@code {prefix}:{schema.table}:*} (tombstones begin with '{'). */
    private List<String> keys(String table) {
        ScanArgs pattern = ScanArgs.Builder.matches(globEscaped(keyPrefix + ":" + table + ":") + "*").limit(SCAN_PAGE);
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = await(connection.async().scan(cursor, pattern));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    private static String globEscaped(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }

    private static <T> T await(RedisFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading Redis", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("reading Redis failed: " + cause.getMessage(), cause);
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
