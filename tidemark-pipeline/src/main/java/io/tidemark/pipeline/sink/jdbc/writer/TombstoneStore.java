package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.RowValues;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sink's memory of deleted rows ({@code _tidemark_tombstones}): recorded with every delete,
 * looked up for changes that may be replays, so that a replayed insert never resurrects a row
 * deleted later. Lookups work at any batch size: one array parameter where the dialect binds
 * arrays (PostgreSQL), bounded {@code IN} lists otherwise.
 */
final class TombstoneStore {

    /** Keys per {@code IN} list where the dialect cannot bind an array: far below every driver's limit. */
    static final int KEYS_PER_LOOKUP = 1000;

    private final SinkDialect dialect;

    TombstoneStore(SinkDialect dialect) {
        this.dialect = dialect;
    }

    /** Adds a delete's tombstone to {@code upsert} (the dialect's {@code upsertTombstone()}), as a batch entry. */
    static void add(PreparedStatement upsert, TableId sinkTable, ChangeEvent delete) throws SQLException {
        upsert.setString(1, sinkTable.toString());
        upsert.setString(2, RowValues.keyString(delete.keyValues()));
        upsert.setLong(3, delete.position().value());
        upsert.addBatch();
    }

    /** Drops the changes that a tombstone at their position or later already superseded. */
    List<ChangeEvent> withoutTombstoned(Connection c, TableId sinkTable, List<ChangeEvent> events)
            throws SQLException {
        List<String> keys = SinkTableWriter.keyStrings(events);
        Map<String, Long> tombstones = lookUp(c, sinkTable, keys);
        if (tombstones.isEmpty()) {
            return events;
        }
        List<ChangeEvent> kept = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Long deletedAt = tombstones.get(keys.get(i));
            if (deletedAt == null || events.get(i).position().value() > deletedAt) {
                kept.add(events.get(i));
            }
        }
        return kept;
    }

    /** The position of one key's tombstone, or {@code Long.MIN_VALUE}. */
    long positionOf(Connection c, TableId sinkTable, String key) throws SQLException {
        return lookUp(c, sinkTable, List.of(key)).getOrDefault(key, Long.MIN_VALUE);
    }

    private Map<String, Long> lookUp(Connection c, TableId sinkTable, List<String> keys) throws SQLException {
        Map<String, Long> found = new HashMap<>();
        if (dialect.bindsKeyArrays()) {
            try (PreparedStatement select = c.prepareStatement(dialect.selectTombstonesOfKeyArray())) {
                select.setString(1, sinkTable.toString());
                select.setArray(2, c.createArrayOf("text", keys.toArray()));
                collect(select, found);
            }
            return found;
        }
        for (int from = 0; from < keys.size(); from += KEYS_PER_LOOKUP) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_LOOKUP));
            try (PreparedStatement select = c.prepareStatement(dialect.selectTombstones(chunk.size()))) {
                select.setString(1, sinkTable.toString());
                for (int i = 0; i < chunk.size(); i++) {
                    select.setString(i + 2, chunk.get(i));
                }
                collect(select, found);
            }
        }
        return found;
    }

    private static void collect(PreparedStatement select, Map<String, Long> found) throws SQLException {
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                found.put(rs.getString(1), rs.getLong(2));
            }
        }
    }
}
