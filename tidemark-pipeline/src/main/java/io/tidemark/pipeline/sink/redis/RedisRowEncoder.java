package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.event.ValueText;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns a change event into the keys and arguments of one {@link GuardedWriteScript} call: the key
 * layout and value format documented in {@code docs/redis-sink.md}. Public for {@link #dataKey(String,
 * TableId, Object[])} and {@link #text(Object)}, with which a reader (e.g. {@code tidemark demo}'s
 * reconciliation) finds a row's key and the text its fields hold.
 */
public final class RedisRowEncoder implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Hash field holding the position of the change that wrote the row. */
    public static final String POSITION_FIELD = GuardedWriteScript.POSITION_FIELD;
    private static final JsonFactory JSON = new JsonFactory();

    private final String keyPrefix;
    private final RedisValueFormat format;
    private final Map<TableId, TableId> sinkTables;
    private final String ttlMillis;
    private final String tombstoneRetentionMillis;

    /**
     * @param sinkTables source table to the table name used in keys, for the tables routed to the sink
     * @param ttl expiry of row keys, or null for none
     */
    RedisRowEncoder(
            String keyPrefix,
            RedisValueFormat format,
            Map<TableId, TableId> sinkTables,
            Duration ttl,
            Duration tombstoneRetention) {
        this.keyPrefix = keyPrefix;
        this.format = format;
        this.sinkTables = Map.copyOf(sinkTables);
        this.ttlMillis = ttl == null ? "0" : Long.toString(Math.max(1, ttl.toMillis()));
        this.tombstoneRetentionMillis = Long.toString(Math.max(1, tombstoneRetention.toMillis()));
    }

    /** The first part of every key the sink writes. */
    /** Source table to the table name used in keys, for the tables routed to the sink. */
    Map<TableId, TableId> sinkTables() {
        return sinkTables;
    }

    String keyPrefix() {
        return keyPrefix;
    }

    /** The script call of one change. */
    record ScriptCall(String[] keys, String[] args) {}

    /** {@code {prefix}:{schema.table}:{pk}}, key values joined by ':'. */
    String dataKey(ChangeEvent event) {
        return dataKey(keyPrefix, sinkTables.getOrDefault(event.table(), event.table()), event.keyValues());
    }

    /**
     * The key of the row of {@code table} (the route's sink table) whose primary key values, in key
     * order and of the types of {@link io.tidemark.pipeline.event.RowValues}, are {@code values}.
     */
    public static String dataKey(String keyPrefix, TableId table, Object[] values) {
        StringBuilder key = new StringBuilder(keyPrefix).append(':').append(table).append(':');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                key.append(':');
            }
            appendKeyPart(key, values[i]);
        }
        return key.toString();
    }

    /** Hash tag = the whole data key, so the tombstone lives in the data key's cluster slot. */
    static String tombstoneKey(String dataKey) {
        return "{" + dataKey + "}:deleted";
    }

    ScriptCall call(ChangeEvent event) {
        return call(dataKey(event), event);
    }

    ScriptCall call(String dataKey, ChangeEvent event) {
        long position = event.position().value();
        if (position < 0) {
            throw new IllegalArgumentException("negative source position " + position + " for " + event);
        }
        String[] keys = {dataKey, tombstoneKey(dataKey)};
        List<String> args = new ArrayList<>();
        args.add(event.operation().isUpsert() ? "u" : "d");
        args.add(Long.toString(position));
        args.add(format == RedisValueFormat.HASH ? "h" : "j");
        args.add(ttlMillis);
        args.add(tombstoneRetentionMillis);
        if (event.operation().isUpsert()) {
            String[] columns = event.columns();
            Object[] row = event.after();
            if (format == RedisValueFormat.HASH) {
                for (int i = 0; i < columns.length; i++) {
                    if (row[i] != null) {
                        args.add(columns[i]);
                        args.add(text(row[i]));
                    }
                }
            } else {
                args.add(json(columns, row, position));
            }
        }
        return new ScriptCall(keys, args.toArray(String[]::new));
    }

    /**
     * A key value's canonical text, escaped so that ':' still separates key columns and braces
     * never form a cluster hash tag: '%' → %25, ':' → %3A, '{' → %7B, '}' → %7D.
     */
    private static void appendKeyPart(StringBuilder key, Object value) {
        String text;
        if (value instanceof byte[] bytes) {
            text = "0x" + HexFormat.of().formatHex(bytes);
        } else if (value instanceof BigDecimal d) {
            text = d.stripTrailingZeros().toPlainString();
        } else {
            text = text(value);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '%' -> key.append("%25");
                case ':' -> key.append("%3A");
                case '{' -> key.append("%7B");
                case '}' -> key.append("%7D");
                default -> key.append(c);
            }
        }
    }

    /** A column value (of the types of {@link io.tidemark.pipeline.event.RowValues}) as hash field text. */
    public static String text(Object value) {
        return ValueText.text(value);
    }

    /** The position comes first, so that the script can read it without decoding the document. */
    private static String json(String[] columns, Object[] row, long position) {
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField(GuardedWriteScript.POSITION_FIELD, Long.toString(position));
            for (int i = 0; i < columns.length; i++) {
                gen.writeFieldName(columns[i]);
                ValueText.writeJson(gen, row[i]);
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
