package io.tidemark.cli.demo;

import io.tidemark.reconcile.redis.RedisReader;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * How many rows the demo's tables hold in PostgreSQL and how many keys in Redis, for its progress
 * line and for waiting out the initial snapshot; whether they are equal is {@code tidemark
 * reconcile}'s job.
 */
final class DemoCounts {

    private DemoCounts() {}

    /** Rows per table, in the order of {@code tables} ({@code schema.table}, plain names). */
    static long[] rows(Connection c, List<String> tables) throws SQLException {
        long[] counts = new long[tables.size()];
        for (int i = 0; i < tables.size(); i++) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + tables.get(i));
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                counts[i] = rs.getLong(1);
            }
        }
        return counts;
    }

    /** Row keys per table in the Redis sink, in the order of {@code tables}. */
    static long[] keys(RedisReader redis, List<String> tables) {
        long[] counts = new long[tables.size()];
        for (int i = 0; i < tables.size(); i++) {
            counts[i] = redis.keys(tables.get(i)).size();
        }
        return counts;
    }
}
