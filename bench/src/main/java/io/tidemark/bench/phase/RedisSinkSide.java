package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchRedis;
import io.tidemark.bench.db.OrdersTable;
import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisSinkOptions;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.redis.RedisRowEncoder;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Redis sink: the bench's master, emptied and set up for the phase's {@code durability}, read
 * through Lettuce with the key layout and field text the sink writes ({@code docs/redis-sink.md},
 * {@link RedisRowEncoder}): one hash per row at {@code tidemark:public.orders:<id>}. The checksum
 * scans every row key and reads its fields, too slow to poll inside the window: the window ends
 * at the end marker's hash, and the checksum is compared after it.
 */
final class RedisSinkSide implements SinkSide {

    /** The sink's default {@code key-prefix}, which the bench's pipeline keeps. */
    static final String KEY_PREFIX = RedisSinkOptions.KEY_PREFIX.defaultValue();

    /** The table, in the source and in the sink's keys. */
    static final TableId TABLE = TableId.parse("public." + OrdersTable.NAME);
    /** Every column of the table, in the order the checksum joins them. */
    private static final String[] COLUMNS = {"id", "customer", "amount", "status", "note", "updated_at", "version"};
    /** Stands for a NULL column (a hash field the sink leaves out) in the checksum, unlike an empty string. */
    private static final String NULL = "\u0000";
    private static final int PAGE = 1000;
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    private final String uri;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private RedisSinkSide(String uri, RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.uri = uri;
        this.client = client;
        this.connection = connection;
    }

    /** Empties the bench's Redis and sets its master up for {@code durability}. */
    static RedisSinkSide create(BenchRedis redis, RedisDurability durability) throws InterruptedException {
        redis.prepareFor(durability);
        RedisClient client = RedisClient.create(redis.uri());
        try {
            return new RedisSinkSide(redis.uri(), client, client.connect());
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /** The master's address, as the sink's {@code uri}. */
    String uri() {
        return uri;
    }

    /**
     * The sink writing to this master as a user would define it in {@code pipeline.yaml}: the given
     * {@code durability} and otherwise that file's defaults (hashes, batches of 1,000, no TTL).
     */
    RedisSinkDef definition(RedisDurability durability) {
        return definition(uri, durability);
    }

    /** As {@link #definition(RedisDurability)}, for the server at {@code uri}. */
    static RedisSinkDef definition(String uri, RedisDurability durability) {
        return new RedisSinkDef(
                "cache", RedisSinkMode.STANDALONE, uri, null, KEY_PREFIX,
                RedisSinkOptions.FORMAT.defaultValue(),
                null,
                RedisSinkOptions.TOMBSTONE_RETENTION.defaultValue(),
                RedisSinkOptions.BATCH_SIZE.defaultValue(),
                RedisSinkOptions.FLUSH_INTERVAL.defaultValue(),
                RedisSinkOptions.MAX_RETRIES.defaultValue(),
                durability,
                RedisSinkOptions.DURABILITY_TIMEOUT.defaultValue());
    }

    @Override
    public long rows() {
        return rowKeys().size();
    }

    @Override
    public String markerStatus() {
        return connection.sync().hget(RedisRowEncoder.dataKey(KEY_PREFIX, TABLE, new Object[] {OrdersTable.MARKER_ID}),
                "status");
    }

    /**
     * Reads every row key's columns, {@value #PAGE} keys per pipelined round trip. A key deleted
     * between the scan and the read holds no fields and is not counted.
     */
    @Override
    public String checksum() {
        List<String> keys = new ArrayList<>(rowKeys());
        Checksum checksum = new Checksum();
        connection.setAutoFlushCommands(false);
        try {
            for (int from = 0; from < keys.size(); from += PAGE) {
                List<RedisFuture<List<KeyValue<String, String>>>> pages = new ArrayList<>(PAGE);
                for (String key : keys.subList(from, Math.min(keys.size(), from + PAGE))) {
                    pages.add(connection.async().hmget(key, COLUMNS));
                }
                connection.flushCommands();
                for (RedisFuture<List<KeyValue<String, String>>> page : pages) {
                    List<KeyValue<String, String>> fields = await(page);
                    if (fields.stream().noneMatch(KeyValue::hasValue)) {
                        continue;
                    }
                    String[] texts = new String[COLUMNS.length];
                    for (int i = 0; i < texts.length; i++) {
                        texts[i] = fields.get(i).hasValue() ? fields.get(i).getValue() : NULL;
                    }
                    checksum.add(texts);
                }
            }
        } finally {
            connection.setAutoFlushCommands(true);
        }
        return checksum.toString();
    }

    /**
     * The source's rows as the text the sink writes for each column ({@link RedisRowEncoder#text}
     * of the value in the Java type the pipeline carries it in).
     */
    @Override
    public String sourceChecksum(Connection source) throws SQLException {
        Checksum checksum = new Checksum();
        try (Statement st = source.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + String.join(", ", COLUMNS) + " FROM " + OrdersTable.NAME)) {
            while (rs.next()) {
                Object[] values = {rs.getLong(1), rs.getString(2), rs.getBigDecimal(3), rs.getString(4),
                        rs.getString(5), rs.getObject(6, LocalDateTime.class), rs.getInt(7)};
                String[] texts = new String[values.length];
                for (int i = 0; i < texts.length; i++) {
                    texts[i] = values[i] == null ? NULL : RedisRowEncoder.text(values[i]);
                }
                checksum.add(texts);
            }
        }
        return checksum.toString();
    }

    @Override
    public boolean checksumInWindow() {
        return false;
    }

    /** The keys of the table's rows ({@code tidemark:public.orders:*}; tombstones begin with '{'), without duplicates. */
    private Set<String> rowKeys() {
        ScanArgs rows = ScanArgs.Builder.matches(KEY_PREFIX + ":" + TABLE + ":*").limit(PAGE);
        Set<String> keys = new HashSet<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = connection.sync().scan(cursor, rows);
            keys.addAll(page.getKeys()); // SCAN may return a key twice
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
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

    /**
     * Row count, version sum and the sum of a hash of every row's column texts, the same terms as
     * {@link io.tidemark.bench.db.OrdersTable#checksum}'s for PostgreSQL.
     */
    private static final class Checksum {
        private long rows;
        private long versions;
        private long hashes;

        void add(String[] texts) {
            rows++;
            versions += Long.parseLong(texts[COLUMNS.length - 1]);
            hashes += String.join("|", texts).hashCode();
        }

        @Override
        public String toString() {
            return rows + ":" + versions + ":" + hashes;
        }
    }
}
