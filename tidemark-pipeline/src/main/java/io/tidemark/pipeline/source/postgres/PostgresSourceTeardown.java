package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.teardown.Teardown;
import io.tidemark.pipeline.teardown.TeardownSection;
import io.tidemark.pipeline.teardown.TeardownStep;
import io.tidemark.pipeline.teardown.TeardownStep.Action;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes what a PostgreSQL source holds for a pipeline that is stopped for good: its replication
 * slot, which keeps WAL until the disk fills, the snapshot backfill slots Flink CDC left behind
 * ({@code <slot>_<subtask>}, normally dropped when the chunk is read; left after a crash), and its
 * publication. It refuses while a walsender reads any of the slots: a job still runs. (A job in its
 * initial snapshot reads the pipeline's slot only once the snapshot is done, and a backfill slot only
 * while it backfills a chunk: only the cluster knows it runs, which the CLI asks with --rest-address.)
 *
 * <p>The publication goes only if it publishes nothing but the pipeline's own tables (one made
 * {@code FOR ALL TABLES}, or for other tables too, was not made by Tidemark for this pipeline).
 * A slot of another pipeline named like a backfill slot of this one (pipeline {@code orders-2}'s
 * default slot is {@code tidemark_orders_2}) would be listed too: the plan names every slot it drops.
 */
public final class PostgresSourceTeardown implements Teardown {

    private final PostgresSourceDef def;
    private final List<Slot> slots = new ArrayList<>();
    private String refusal;
    private boolean dropPublication;

    public PostgresSourceTeardown(PostgresSourceDef def) {
        this.def = def;
    }

    /** A slot of the pipeline: the main one or a backfill slot. */
    private record Slot(String name, boolean backfill, boolean active, Integer pid, String database) {}

    private String title() {
        return "source postgres " + def.hostname() + ":" + def.port() + "/" + def.database();
    }

    @Override
    public TeardownSection plan() throws SQLException {
        slots.clear();
        refusal = null;
        List<TeardownStep> steps = new ArrayList<>();
        try (Connection c = PostgresSourcePreparer.connectNamingTheSide(def)) {
            readSlots(c);
            boolean main = false;
            for (Slot slot : slots) {
                main |= !slot.backfill();
                if (slot.active() && def.database().equals(slot.database()) && refusal == null) {
                    refusal = "replication slot " + slot.name() + " is active (walsender pid " + slot.pid()
                            + "): a job still reads it: stop it first (tidemark savepoint stop JOB_ID), then drop"
                            + " the pipeline";
                }
                steps.add(slotStep(slot));
            }
            if (!main) {
                steps.add(0, TeardownStep.none("replication slot " + def.slotName() + " does not exist"));
            }
            steps.add(publicationStep(c));
        }
        return new TeardownSection(title(), steps);
    }

    private TeardownStep slotStep(Slot slot) {
        String object = "replication slot " + slot.name();
        if (!def.database().equals(slot.database())) {
            return TeardownStep.keep(object, null, "it belongs to database " + slot.database() + ", not "
                    + def.database());
        }
        // during its initial snapshot a job reads the pipeline's slot not yet, and a backfill slot only now and then
        return slot.backfill()
                ? new TeardownStep(Action.DROP, object, null, "a snapshot backfill slot, left by an interrupted snapshot"
                        + " or used by a job still in its snapshot (--rest-address checks the cluster)")
                : TeardownStep.drop(object);
    }

    private void readSlots(Connection c) throws SQLException {
        Pattern backfill = Pattern.compile(Pattern.quote(def.slotName()) + "_[0-9]+");
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, active, active_pid, database"
                + " FROM pg_replication_slots WHERE slot_name = ? OR (slot_name LIKE ? AND plugin = 'pgoutput'"
                // a slot with a publication of its name is another pipeline's own (pipeline orders-2's tidemark_orders_2)
                + " AND NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = slot_name))"
                + " ORDER BY length(slot_name), slot_name")) {
            ps.setString(1, def.slotName());
            ps.setString(2, def.slotName().replace("_", "\\_") + "\\_%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    boolean isBackfill = !name.equals(def.slotName());
                    if (isBackfill && (!backfill.matcher(name).matches() || !def.database().equals(rs.getString(4)))) {
                        continue;
                    }
                    slots.add(new Slot(name, isBackfill, rs.getBoolean(2), (Integer) rs.getObject(3), rs.getString(4)));
                }
            }
        }
    }

    private TeardownStep publicationStep(Connection c) throws SQLException {
        String name = def.publicationName();
        dropPublication = false;
        Boolean allTables = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    allTables = rs.getBoolean(1);
                }
            }
        }
        if (allTables == null) {
            return TeardownStep.none("publication " + name + " does not exist");
        }
        if (allTables) {
            return TeardownStep.keep("publication " + name, null, "it publishes all tables, so Tidemark did not"
                    + " create it for this pipeline");
        }
        List<String> publicationTables = new ArrayList<>();
        Set<TableId> foreign = new LinkedHashSet<>();
        Set<TableId> own = new LinkedHashSet<>();
        def.tables().forEach(t -> own.add(TableId.parse(t)));
        try (PreparedStatement ps = c.prepareStatement("SELECT schemaname, tablename FROM pg_publication_tables"
                + " WHERE pubname = ? ORDER BY 1, 2")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableId table = new TableId(rs.getString(1), rs.getString(2));
                    publicationTables.add(table.toString());
                    if (!own.contains(table)) {
                        foreign.add(table);
                    }
                }
            }
        }
        String object = "publication " + name + (publicationTables.isEmpty() ? "" : " (" + String.join(", ",
                publicationTables) + ")");
        if (!foreign.isEmpty()) {
            return TeardownStep.keep(object, null, "it also publishes " + foreign.iterator().next()
                    + ", which the pipeline does not capture");
        }
        dropPublication = true;
        return TeardownStep.drop(object);
    }

    @Override
    public Optional<String> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** Reads the source again and drops what that plan lists: a slot a job started to read since is refused. */
    @Override
    public TeardownSection execute() throws SQLException {
        TeardownSection plan = plan();
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        try (Connection c = PostgresSourcePreparer.connectNamingTheSide(def)) {
            for (Slot slot : slots) {
                if (slotStep(slot).action() == Action.DROP) {
                    dropSlot(c, slot.name());
                }
            }
            if (dropPublication) {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP PUBLICATION IF EXISTS \"" + def.publicationName().replace("\"", "\"\"") + "\"");
                }
            }
        }
        return plan;
    }

    private void dropSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            ps.setString(1, slot);
            ps.execute();
        } catch (SQLException e) {
            // a job started since the plan was read ("replication slot ... is active for PID ...")
            throw new SQLException("source: cannot drop replication slot " + slot + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e.getSQLState(), e.getErrorCode(), e);
        }
    }
}
