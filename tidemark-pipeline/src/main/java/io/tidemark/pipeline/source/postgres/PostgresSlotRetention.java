package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.metrics.SourceRetention;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The job's replication slot as {@link SourceRetention}: Flink CDC confirms a slot position only
 * when a checkpoint completes, so {@code confirmed_flush_lsn} is what the last completed checkpoint
 * needs, and {@code restart_lsn} is where the WAL PostgreSQL must keep for the slot begins.
 */
final class PostgresSlotRetention implements SourceRetention {

    private static final long serialVersionUID = 1L;
    private static final int QUERY_TIMEOUT_SECONDS = 5;

    private final PostgresSourceDef def;

    PostgresSlotRetention(PostgresSourceDef def) {
        this.def = def;
    }

    @Override
    public Reading read() throws SQLException {
        try (Connection c = PostgresSourcePreparer.connect(def);
                PreparedStatement ps = c.prepareStatement("SELECT pg_current_wal_lsn() - confirmed_flush_lsn,"
                        + " pg_current_wal_lsn() - restart_lsn, safe_wal_size, wal_status"
                        + " FROM pg_replication_slots WHERE slot_name = ? AND database = ?")) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, def.slotName());
            ps.setString(2, def.database());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Reading(Double.NaN, Double.NaN, Double.NaN, 0); // the slot is gone
                }
                return new Reading(number(rs, 1), number(rs, 2), number(rs, 3), "lost".equals(rs.getString(4)) ? 0 : 1);
            }
        }
    }

    private static double number(ResultSet rs, int column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? Double.NaN : value;
    }
}
