package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a PostgreSQL source holds for a pipeline: its replication slot (whether a job reads it, how
 * far it confirmed, how much WAL it keeps the server from recycling) and its publication. A slot no
 * job reads keeps WAL growing until the disk fills, so this is what to look at for a pipeline that
 * is stopped, or stopped for good ({@code tidemark source status}).
 *
 * @param slotExists whether the slot exists (the job creates it when it first starts)
 * @param active whether a walsender reads the slot now, i.e. a job runs
 * @param retainedBytes WAL the slot keeps from being recycled: from its restart position to the server's current one
 * @param pendingBytes WAL written since the position the job last confirmed
 * @param walStatus PostgreSQL's {@code wal_status}: reserved, extended, unreserved or lost
 * @param publicationTables the tables the publication publishes, or {@code null} if it does not exist
 * @param backfillSlots the initial snapshot's backfill slots ({@code <slot>_<n>}): they exist while a
 *     snapshot runs, and after one that did not finish, holding WAL like the pipeline's own slot
 */
public record ReplicationSlotStatus(
        String slotName,
        boolean slotExists,
        boolean active,
        @Nullable Integer activePid,
        @Nullable String confirmedFlushLsn,
        @Nullable Long retainedBytes,
        @Nullable Long pendingBytes,
        @Nullable String walStatus,
        String publicationName,
        @Nullable List<String> publicationTables,
        List<BackfillSlot> backfillSlots) {

    /** A backfill slot of the pipeline's initial snapshot, whether a reader uses it now, and the WAL it keeps. */
    public record BackfillSlot(String name, boolean active, @Nullable Long retainedBytes) {}

    /** Reads the slot and publication {@code def} names, on the source's own server. */
    public static ReplicationSlotStatus read(PostgresSourceDef def) throws SQLException {
        try (Connection c = PostgresSourcePreparer.connectNamingTheSide(def)) {
            List<String> tables = publicationTables(c, def.publicationName());
            List<BackfillSlot> backfill = backfillSlots(c, def.slotName());
            try (PreparedStatement ps = c.prepareStatement("SELECT active, active_pid, confirmed_flush_lsn::text,"
                    + " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), restart_lsn)::bigint,"
                    + " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), confirmed_flush_lsn)::bigint, wal_status"
                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, def.slotName());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new ReplicationSlotStatus(def.slotName(), false, false, null, null, null, null, null,
                                def.publicationName(), tables, backfill);
                    }
                    return new ReplicationSlotStatus(def.slotName(), true, rs.getBoolean(1), (Integer) rs.getObject(2),
                            rs.getString(3), (Long) rs.getObject(4), (Long) rs.getObject(5), rs.getString(6),
                            def.publicationName(), tables, backfill);
                }
            }
        }
    }

    /** {@code <slot>_<n>} slots of this database that are not another pipeline's own (those have their publication). */
    private static List<BackfillSlot> backfillSlots(Connection c, String slot) throws SQLException {
        List<BackfillSlot> slots = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, active,"
                + " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), restart_lsn)::bigint FROM pg_replication_slots"
                + " WHERE slot_name ~ ? AND database = current_database()"
                + " AND NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = slot_name) ORDER BY slot_name")) {
            ps.setString(1, "^" + slot + "_[0-9]+$");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    slots.add(new BackfillSlot(rs.getString(1), rs.getBoolean(2), (Long) rs.getObject(3)));
                }
            }
        }
        return slots;
    }

    @Nullable
    private static List<String> publicationTables(Connection c, String publication) throws SQLException {
        try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            exists.setString(1, publication);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
            }
        }
        List<String> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                + " WHERE pubname = ? ORDER BY 1")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }
}
