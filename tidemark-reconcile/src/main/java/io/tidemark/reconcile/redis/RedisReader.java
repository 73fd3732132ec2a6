package io.tidemark.reconcile.redis;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.sink.redis.RedisConnector;
import io.tidemark.pipeline.sink.redis.RedisRowEncoder;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.api.sync.RedisKeyCommands;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a Redis sink's rows as the reconciliation compares them: the data keys of a table (a
 * {@code SCAN} over {@code {prefix}:{schema.table}:*}, across every master of a cluster), and each
 * key's value (pipelined {@code HGETALL}, or {@code GET} of the JSON document) as the text of each
 * source column, followed by two checks of the row itself: that it carries its position, and which
 * fields it has that the source does not.
 */
public final class RedisReader implements AutoCloseable {

    /** Text of the position check's column when the position is there. */
    public static final String HAS_POSITION = "present";

    private static final int SCAN_PAGE = 1000;
    private static final int PIPELINE = 1000;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Decimals exactly as written ({@code 9.50} stays {@code 9.50}), as the hash field would hold them. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private final RedisSinkDef sink;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisKeyCommands<String, String> sync;
    private long keysRead;
    private long commands;

    private RedisReader(RedisSinkDef sink, AbstractRedisClient client, StatefulConnection<String, String> connection,
            RedisClusterAsyncCommands<String, String> async, RedisKeyCommands<String, String> sync) {
        this.sink = sink;
        this.client = client;
        this.connection = connection;
        this.async = async;
        this.sync = sync;
    }

    /** Connects as the sink does. */
    public static RedisReader connect(RedisSinkDef sink) {
        RedisConnector connector = RedisConnector.of(sink);
        if (sink.mode() == RedisSinkMode.CLUSTER) {
            RedisClusterClient client = connector.createClusterClient();
            try {
                StatefulRedisClusterConnection<String, String> connection = client.connect();
                return new RedisReader(sink, client, connection, connection.async(), connection.sync());
            } catch (RuntimeException e) {
                client.shutdown();
                throw e;
            }
        }
        RedisClient client = connector.createClient();
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            return new RedisReader(sink, client, connection, connection.async(), connection.sync());
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /** The data keys of a table ({@code sinkTable} as written in keys); tombstones are not among them. */
    public List<String> keys(String sinkTable) {
        ScanArgs pattern = ScanArgs.Builder.matches(globEscaped(sink.keyPrefix() + ":" + sinkTable + ":") + "*")
                .limit(SCAN_PAGE);
        List<String> keys = new ArrayList<>();
        ScanIterator.scan(sync, pattern).forEachRemaining(keys::add);
        commands += keys.size() / SCAN_PAGE + 1;
        return keys;
    }

    /**
     * The rows of {@code keys} that exist, each as the text of every column (null for an absent
     * field or JSON null), then {@link #HAS_POSITION} or null, then the names of fields no column
     * has (null if none).
     */
    public Map<String, List<String>> rows(List<String> keys, List<String> columns) {
        Map<String, List<String>> rows = new HashMap<>();
        for (int from = 0; from < keys.size(); from += PIPELINE) {
            List<String> batch = keys.subList(from, Math.min(keys.size(), from + PIPELINE));
            if (sink.format() == RedisValueFormat.HASH) {
                List<RedisFuture<Map<String, String>>> replies = new ArrayList<>();
                batch.forEach(key -> replies.add(async.hgetall(key)));
                for (int i = 0; i < batch.size(); i++) {
                    Map<String, String> hash = await(replies.get(i));
                    if (!hash.isEmpty()) { // empty: deleted since the scan
                        rows.put(batch.get(i), fromHash(hash, columns));
                    }
                }
            } else {
                List<RedisFuture<String>> replies = new ArrayList<>();
                batch.forEach(key -> replies.add(async.get(key)));
                for (int i = 0; i < batch.size(); i++) {
                    String document = await(replies.get(i));
                    if (document != null) {
                        rows.put(batch.get(i), fromJson(batch.get(i), document, columns));
                    }
                }
            }
            commands += batch.size();
        }
        keysRead += rows.size();
        return rows;
    }

    private static List<String> fromHash(Map<String, String> hash, List<String> columns) {
        List<String> row = new ArrayList<>(columns.size() + 2);
        for (String column : columns) {
            row.add(hash.get(column));
        }
        row.add(hash.containsKey(RedisRowEncoder.POSITION_FIELD) ? HAS_POSITION : null);
        row.add(others(hash.keySet(), columns));
        return row;
    }

    private static List<String> fromJson(String key, String document, List<String> columns) {
        JsonNode json;
        try {
            json = JSON.readTree(document);
        } catch (IOException e) {
            json = null;
        }
        List<String> row = new ArrayList<>(columns.size() + 2);
        if (json == null || !json.isObject()) {
            columns.forEach(c -> row.add(null));
            row.add(null);
            row.add("(not a JSON object)");
            return row;
        }
        for (String column : columns) {
            JsonNode value = json.get(column);
            row.add(value == null || value.isNull() ? null : text(value));
        }
        row.add(json.has(RedisRowEncoder.POSITION_FIELD) ? HAS_POSITION : null);
        Set<String> names = new HashSet<>();
        json.fieldNames().forEachRemaining(names::add);
        row.add(others(names, columns));
        return row;
    }

    /** A JSON value as the hash field would hold it: decimals plain, arrays and objects as JSON. */
    private static String text(JsonNode value) {
        if (value.isBigDecimal()) {
            return value.decimalValue().toPlainString();
        }
        if (value.isContainerNode()) {
            return value.toString();
        }
        return value.asText();
    }

    private static String others(Set<String> fields, List<String> columns) {
        TreeSet<String> others = new TreeSet<>(fields);
        columns.forEach(others::remove);
        others.remove(RedisRowEncoder.POSITION_FIELD);
        return others.isEmpty() ? null : String.join(",", others);
    }

    public long keysRead() {
        return keysRead;
    }

    public long commands() {
        return commands;
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
