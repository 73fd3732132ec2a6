package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code orders} rows of the pipeline tests as the Redis sink should hold them, in one form for
 * both sides of a comparison: column name to text, no position, {@code updated_at} as an instant.
 */
public final class OrderHashes {

    private OrderHashes() {}

    /** A source row as the hash the sink should hold for it. */
    public static Map<String, String> of(long id, String customer, String amount, String status, String note,
            Instant updatedAt, int version) {
        Map<String, String> row = new HashMap<>();
        row.put("id", Long.toString(id));
        row.put("customer", customer);
        row.put("amount", amount);
        row.put("status", status);
        if (note != null) {
            row.put("note", note);
        }
        row.put("updated_at", updatedAt.toString());
        row.put("version", Integer.toString(version));
        return row;
    }

    /** Every key matching {@code pattern} on one server with its hash; each must carry a position. */
    public static Map<String, Map<String, String>> read(RedisCommands<String, String> redis, String pattern) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        Map<String, Map<String, String>> rows = new TreeMap<>();
        for (String key : keys) {
            Map<String, String> row = new HashMap<>(redis.hgetall(key));
            if (row.isEmpty()) {
                continue; // deleted between SCAN and HGETALL: the sink is still streaming
            }
            assertThat(row.remove("_tidemark_pos")).as("position of %s", key).isNotNull();
            String updatedAt = row.get("updated_at");
            if (updatedAt != null) {
                row.put("updated_at", java.time.OffsetDateTime.parse(updatedAt).toInstant().toString());
            }
            rows.put(key, row);
        }
        return rows;
    }
}
