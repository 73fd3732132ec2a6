package io.tidemark.pipeline.source.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The replication slots of a PostgreSQL pipeline, and the one moment PostgreSQL makes them wait.
 *
 * <p>Creating a logical slot waits until every transaction that holds an xid at that moment has
 * ended, in any database of the server. Tidemark therefore creates the pipeline's slot once, when
 * its job first starts and before any chunk is read, in the source enumerator ({@link
 * #createPipelineSlot}), and says which transaction it waits for while it does, in the log and in
 * gauges ({@link SlotCreationWait}). The snapshot's backfill slots ({@code <slot>_<subtask>}, one
 * per reader, through which each
 * chunk's changes made during its read are merged into it) are copies of the pipeline's slot
 * ({@code pg_copy_logical_replication_slot}, which waits for nothing), kept from chunk to chunk and
 * advanced past each chunk's high watermark so that they hold no WAL behind it, and dropped when
 * the snapshot is over. Flink CDC 3.5 created and dropped a backfill slot for every chunk instead:
 * one transaction left open anywhere on the server stopped the snapshot at its next chunk.
 */
final class PipelineSlots {

    /** What Tidemark's log says while a slot's creation waits; the CLI shows this logger's lines on the console. */
    static final Logger WAITS = LoggerFactory.getLogger("io.tidemark.pipeline.source.postgres.SlotCreationWait");
    private static final Logger LOG = LoggerFactory.getLogger(PipelineSlots.class);

    private static final String PLUGIN = "pgoutput";
    /** How long a creation may wait before the first line saying why, and between lines. */
    private static final Duration FIRST_REPORT = Duration.ofSeconds(1);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);

    private PipelineSlots() {}

    /** Opens a new connection to the source. */
    @FunctionalInterface
    interface Connections {
        Connection open() throws SQLException;
    }

    /**
     * Creates {@code slot} unless it exists. While PostgreSQL waits for transactions to end, logs
     * after 1 s and then every 10 s which one it waits for (on {@link #WAITS}): pid, database,
     * application, state and how long it has been open; {@code wait} shows it meanwhile.
     */
    static void createPipelineSlot(Connections connections, String slot, SlotCreationWait wait) throws SQLException {
        try (Connection c = connections.open()) {
            if (exists(c, slot)) {
                return;
            }
            int creator = pid(c);
            wait.began();
            ExecutorService creating = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "tidemark-create-slot-" + slot);
                t.setDaemon(true);
                return t;
            });
            try {
                Future<?> created = creating.submit(() -> {
                    try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, ?)")) {
                        ps.setString(1, slot);
                        ps.setString(2, PLUGIN);
                        ps.execute();
                    }
                    return null;
                });
                awaitReporting(created, connections, slot, creator, wait);
                LOG.info("Created replication slot {}", slot);
            } finally {
                wait.ended();
                creating.shutdownNow();
            }
        }
    }

    private static void awaitReporting(Future<?> created, Connections connections, String slot, int creator,
            SlotCreationWait wait) throws SQLException {
        Duration next = FIRST_REPORT;
        while (true) {
            try {
                created.get(next.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                try (Connection c = connections.open()) {
                    Optional<Blocker> blocker = blocker(c, creator);
                    wait.blockedBy(blocker.map(Blocker::pid).orElse(0));
                    blocker.ifPresent(b -> WAITS.warn("source: creating replication slot {} waits for {}"
                            + " to end: PostgreSQL starts a slot only once every transaction running at that moment,"
                            + " in any database, has ended", slot, b.describe()));
                }
                next = REPORT_EVERY;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SQLException sql) {
                    throw sql;
                }
                throw new SQLException("source: cannot create replication slot " + slot + ": " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while creating replication slot " + slot, e);
            }
        }
    }

    /** A transaction a slot's creation waits for, and how many more there are. */
    record Blocker(int pid, String database, String application, String state, long openSeconds, long more) {

        /** {@code transaction pid 4242 (database shop, application psql, idle in transaction, open 1m 5s)}. */
        String describe() {
            return "transaction pid " + pid + " (database " + database + ", application "
                    + (application == null || application.isEmpty() ? "(none)" : application) + ", " + state
                    + ", open " + age(openSeconds) + ")" + (more > 0 ? " and " + more + " more" : "");
        }
    }

    /** The oldest transaction with an xid other than the creating session's. */
    static Optional<Blocker> blocker(Connection c, int creator) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pid, datname, application_name, state,"
                + " extract(epoch FROM now() - xact_start)::bigint, count(*) OVER () FROM pg_stat_activity"
                + " WHERE backend_xid IS NOT NULL AND pid <> ? AND pid <> pg_backend_pid()"
                + " ORDER BY xact_start LIMIT 1")) {
            ps.setInt(1, creator);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Blocker(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getLong(5), rs.getLong(6) - 1));
            }
        }
    }

    private static String age(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        return seconds / 3600 + "h " + seconds / 60 % 60 + "m";
    }

    /**
     * Makes {@code backfill} a copy of the pipeline's slot {@code main} unless it exists: no wait for
     * open transactions, and it decodes every transaction the pipeline's slot would. Returns whether
     * it was copied; false also where the server cannot copy slots (before PostgreSQL 12) or the
     * pipeline's slot is missing, and then Flink CDC creates the backfill slot as before.
     */
    static boolean copyForBackfill(Connection c, String main, String backfill) throws SQLException {
        if (exists(c, backfill)) {
            if (hasPublication(c, backfill)) {
                // pipeline orders-2's own slot tidemark_orders_2 is named like pipeline orders' second backfill slot
                throw new SQLException("source: replication slot " + backfill + " is this pipeline's snapshot backfill"
                        + " slot by name, but another pipeline's own slot (it has a publication of that name); set"
                        + " source.slot-name of one of them so that neither is the other's followed by _<number>");
            }
            return false;
        }
        if (!exists(c, main) || c.getMetaData().getDatabaseMajorVersion() < 12) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_copy_logical_replication_slot(?, ?)")) {
            ps.setString(1, main);
            ps.setString(2, backfill);
            ps.execute();
        }
        LOG.info("Copied replication slot {} to {} for the snapshot's backfill", main, backfill);
        return true;
    }

    /**
     * Moves {@code slot}'s confirmed position to {@code lsn} if it is behind it, so that it holds no
     * WAL a later chunk will not read. The slot must not be in use.
     */
    static void advance(Connection c, String slot, long lsn) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_replication_slot_advance(slot_name, ?::pg_lsn)"
                + " FROM pg_replication_slots WHERE slot_name = ? AND NOT active AND confirmed_flush_lsn < ?::pg_lsn")) {
            String text = lsnText(lsn);
            ps.setString(1, text);
            ps.setString(2, slot);
            ps.setString(3, text);
            ps.execute();
        }
    }

    /**
     * Drops the snapshot's backfill slots of the pipeline's slot {@code main} ({@code <main>_<n>});
     * returns how many. A slot whose reader has just closed its connection stays active until
     * PostgreSQL's walsender for it has exited, so an active one is waited for, up to 15 s, and left
     * (with a warning) if it stays active.
     */
    static int dropBackfillSlots(Connection c, String main) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int dropped = 0;
        while (true) {
            List<String> active = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, active FROM pg_replication_slots"
                    + " WHERE slot_name ~ ? AND database = current_database()"
                    // another pipeline's own slot of that name has its publication: never ours to drop
                    + " AND NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = slot_name)")) {
                ps.setString(1, "^" + main + "_[0-9]+$");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(2)) {
                            active.add(rs.getString(1));
                        } else if (drop(c, rs.getString(1))) {
                            dropped++;
                        } else {
                            active.add(rs.getString(1));
                        }
                    }
                }
            }
            if (active.isEmpty()) {
                return dropped;
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("The snapshot's backfill slots {} are still in use; they hold WAL until dropped"
                        + " (tidemark pipeline drop, or SELECT pg_drop_replication_slot(...))", active);
                return dropped;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return dropped;
            }
        }
    }

    /** Drops {@code slot} unless it became active meanwhile (then false). */
    private static boolean drop(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            ps.setString(1, slot);
            ps.execute();
            LOG.info("Dropped the snapshot's backfill slot {}", slot);
            return true;
        } catch (SQLException e) {
            if ("55006".equals(e.getSQLState())) { // object_in_use: a walsender holds it
                return false;
            }
            throw e;
        }
    }

    private static boolean hasPublication(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static boolean exists(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
