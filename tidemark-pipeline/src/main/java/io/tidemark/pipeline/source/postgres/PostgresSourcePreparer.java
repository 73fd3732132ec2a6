package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.jdbc.JdbcDrivers;
import io.tidemark.pipeline.source.SourcePositionLostException;
import io.tidemark.pipeline.source.SourceTables;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Checks and prepares a PostgreSQL source before the job starts, so that what a user got wrong is
 * one clear line at startup instead of a job that fails and restarts forever: logical decoding on,
 * every captured table present with a primary key, with a replica identity that puts the key of a
 * deleted row into the WAL, and whole rows in the WAL where a value can be TOASTed (otherwise an
 * update that leaves a large value unchanged arrives without it) — for a partitioned table, in
 * every leaf partition, whose rows the WAL holds.
 *
 * <p>It creates the publication for all captured tables, once (the job's enumerator creates the
 * replication slot, {@link TidemarkPostgresSourceEnumerator}). Left to Debezium
 * ({@code publication.autocreate.mode=filtered}), each snapshot backfill task narrows the shared
 * publication to its own chunk's table, and pgoutput then drops the other tables' changes made in
 * that window: changes would be lost during the snapshot. It publishes partitions' changes under
 * their root table's name ({@code publish_via_partition_root}), which is the one captured.
 */
public final class PostgresSourcePreparer {

    private final PostgresSourceDef def;
    /** The captured tables that are partitioned, found by {@link #prepare()}. */
    private final List<TableId> partitionedTables = new ArrayList<>();
    /** The captured tables with values PostgreSQL may TOAST, which must stay FULL; found by {@link #prepare()}. */
    private final Set<TableId> wholeRowTables = new LinkedHashSet<>();

    public PostgresSourcePreparer(PostgresSourceDef def) {
        this.def = def;
    }

    /** The primary key columns of each captured table, in key order (empty for a table without one). */
    public Map<TableId, List<String>> primaryKeys() throws SQLException {
        try (Connection c = connect()) {
            return SourceTables.primaryKeys(c, "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true"
                        + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
                        + " WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary ORDER BY k.ord", def.tables());
        }
    }

    private Connection connect() throws SQLException {
        return connectNamingTheSide(def);
    }

    /** A connection to the source; a failure names the side, as every other check's line does. */
    static Connection connectNamingTheSide(PostgresSourceDef def) throws SQLException {
        try {
            return connect(def);
        } catch (SQLException e) {
            throw new SQLException("source: cannot connect to " + def.hostname() + ":" + def.port() + "/" + def.database()
                    + " as " + def.username() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
                    e.getSQLState(), e.getErrorCode(), e);
        }
    }

    /** A plain connection to the source database, the password resolved now and not kept. */
    static Connection connect(PostgresSourceDef def) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", def.username());
        props.setProperty("password", def.password().resolve());
        return JdbcDrivers.connect(
                "jdbc:postgresql://" + def.hostname() + ":" + def.port() + "/" + def.database(), props);
    }

    /**
     * After {@link #prepare()}: the captured tables with columns PostgreSQL may store out of line,
     * which the check made sure have {@code REPLICA IDENTITY FULL}. An update of one of them that
     * arrives without its old row means the identity was changed while the job ran.
     */
    public Set<TableId> wholeRowTables() {
        return Set.copyOf(wholeRowTables);
    }

    /**
     * Before a job resumes: its replication slot must still exist, with its WAL. Without the slot
     * Flink CDC would create a new one at the current position, and every change since the
     * checkpoint would be skipped without a trace.
     */
    public void checkResumable() throws SQLException {
        String fix = "; start the pipeline anew with a snapshot into empty sink tables (tidemark run --config FILE,"
                + " without --from-savepoint)";
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT database, wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, def.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SourcePositionLostException("source: replication slot " + def.slotName()
                            + " does not exist, so the changes after the savepoint are gone from PostgreSQL" + fix);
                }
                if (!def.database().equals(rs.getString(1))) {
                    throw new SourcePositionLostException("source: replication slot " + def.slotName()
                            + " belongs to database " + rs.getString(1) + ", not " + def.database()
                            + ", so it holds none of this pipeline's changes" + fix);
                }
                if ("lost".equals(rs.getString(2))) {
                    throw new SourcePositionLostException("source: replication slot " + def.slotName()
                            + " has lost WAL it needed (wal_status lost: max_slot_wal_keep_size was exceeded), so"
                            + " changes after the savepoint are gone from PostgreSQL" + fix);
                }
            }
        }
    }

    /** The server's current WAL position, as a number. */
    public long currentWalLsn() throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The slot must not have confirmed past {@code resumeLsn}, where a restored job resumes:
     * PostgreSQL would stream from the slot's confirmed position and the changes in between, already
     * released, would never arrive. (Flink CDC confirms only positions of completed checkpoints, so
     * the newest savepoint always passes; an older one, after a newer job ran, may not.)
     */
    public void checkSlotHolds(SourcePosition resumeLsn) throws SQLException {
        String described = resumeLsn.toLsnString();
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("SELECT confirmed_flush_lsn::text,"
                        + " confirmed_flush_lsn - ?::text::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, described);
            ps.setString(2, def.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(1) != null && rs.getLong(2) > 0) {
                    throw new SourcePositionLostException("source: replication slot " + def.slotName()
                            + " has confirmed up to " + rs.getString(1) + ", past " + described + " where the savepoint"
                            + " resumes, so the changes between them are gone from PostgreSQL; restore a newer savepoint"
                            + " or start the pipeline anew with a snapshot into empty sink tables (tidemark run"
                            + " --config FILE, without --from-savepoint)");
                }
            }
        }
    }

    public void prepare() throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Connection c = connect()) {
            String walLevel = single(c, "SHOW wal_level");
            if (!"logical".equals(walLevel)) {
                problems.add("source: wal_level is " + walLevel + "; set wal_level = logical in postgresql.conf"
                        + " and restart PostgreSQL");
            }
            for (String name : def.tables()) {
                TableId table = TableId.parse(name);
                problems.addAll(checkTable(c, table));
            }
            if (problems.isEmpty()) {
                ensurePublication(c).ifPresent(problems::add);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
        // the slot is created by the job's enumerator (TidemarkPostgresSourceEnumerator), where its wait is measured
    }

    /** Creates the publication, or adds the captured tables it lacks; a problem line if it cannot. */
    private Optional<String> ensurePublication(Connection c) throws SQLException {
        String publication = def.publicationName();
        Boolean allTables = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables, pubinsert, pubupdate, pubdelete,"
                + " pubtruncate, pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    allTables = rs.getBoolean(1);
                    // a publication that leaves an operation out drops those changes without a trace
                    if (!(rs.getBoolean(2) && rs.getBoolean(3) && rs.getBoolean(4) && rs.getBoolean(5))) {
                        return Optional.of("source.publication-name: publication " + publication + " does not"
                                + " publish every operation; run ALTER PUBLICATION " + quote(publication)
                                + " SET (publish = 'insert, update, delete, truncate')");
                    }
                    // without it, a partition's changes carry the partition's name, which is not captured
                    if (!rs.getBoolean(6) && !partitionedTables.isEmpty()) {
                        return Optional.of("source.publication-name: publication " + publication + " publishes"
                                + " the changes of partitioned table " + partitionedTables.get(0) + " under its"
                                + " partitions' names, which are not captured; run ALTER PUBLICATION "
                                + quote(publication) + " SET (publish_via_partition_root = true)");
                    }
                }
            }
        }
        if (Boolean.TRUE.equals(allTables)) {
            return Optional.empty();
        }
        List<TableId> missing = new ArrayList<>();
        for (String name : def.tables()) {
            missing.add(TableId.parse(name));
        }
        if (allTables != null) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        missing.remove(new TableId(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            if (missing.isEmpty()) {
                return Optional.empty();
            }
        }
        String tables = missing.stream()
                .map(t -> quote(t.schema()) + "." + quote(t.table()))
                .collect(Collectors.joining(", "));
        String ddl = allTables == null
                // partitions' changes under their root's name, which is the captured one
                ? "CREATE PUBLICATION " + quote(publication) + " FOR TABLE " + tables
                        + " WITH (publish_via_partition_root = true)"
                : "ALTER PUBLICATION " + quote(publication) + " ADD TABLE " + tables;
        try (Statement st = c.createStatement()) {
            st.execute(ddl);
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("source.publication-name: cannot prepare publication " + publication + " ("
                    + e.getMessage().split("\n")[0] + "); have a superuser or the tables' owner run: " + ddl);
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /**
     * The table as PostgreSQL reads it in a statement a user is told to run: a part quoted unless
     * PostgreSQL would read it bare as the same name (lower case; it folds anything else).
     */
    static String sqlName(TableId table) {
        return sqlPart(table.schema()) + "." + sqlPart(table.table());
    }

    private static String sqlPart(String identifier) {
        return identifier.matches("[a-z_][a-z0-9_$]*") ? identifier : quote(identifier);
    }

    private List<String> checkTable(Connection c, TableId table) throws SQLException {
        List<String> problems = new ArrayList<>();
        String relation = null;
        String identity = null;
        boolean partitioned = false;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT c.oid, c.relreplident, c.relkind = 'p' FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    relation = rs.getString(1);
                    identity = rs.getString(2);
                    partitioned = rs.getBoolean(3);
                }
            }
        }
        if (relation == null) {
            problems.add("source.tables: table " + table + " does not exist in the source database;"
                    + " create it or remove it from source.tables");
            return problems;
        }
        if (partitioned) {
            // the WAL holds the partitions' rows: each leaf needs what a table of its own would
            for (TableId leaf : leafPartitions(c, relation)) {
                problems.addAll(checkTable(c, leaf));
            }
            partitionedTables.add(table);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_index WHERE indrelid = ?::oid AND indisprimary")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    problems.add("source.tables: table " + table + " has no primary key; Tidemark needs one to"
                            + " apply changes exactly once: add a primary key or remove the table from source.tables");
                }
            }
        }
        String toastable;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute"
                        + " WHERE attrelid = ?::oid AND attnum > 0 AND NOT attisdropped AND attstorage <> 'p'")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                toastable = rs.getString(1);
            }
        }
        if (toastable != null) {
            wholeRowTables.add(table);
        }
        if (!"f".equals(identity)) {
            Optional<String> identityProblem = replicaIdentityProblem(c, table, relation, identity, toastable != null);
            if (identityProblem.isPresent()) {
                problems.add(identityProblem.get()); // its fix says FULL where a value can be TOASTed
            } else if (toastable != null) {
                problems.add("source.tables: table " + table + " has columns that PostgreSQL may store"
                        + " out of line (" + toastable + ") but its replica identity is not FULL, so an"
                        + " update that leaves such a value unchanged would arrive without it;"
                        + " run ALTER TABLE " + sqlName(table) + " REPLICA IDENTITY FULL");
            }
        }
        return problems;
    }

    /**
     * A replica identity that puts no primary key into the WAL for a delete: NOTHING, or USING
     * INDEX on an index whose columns are not the primary key's. Debezium's delete event then
     * carries no key values, and the sink could not find the row.
     */
    private static Optional<String> replicaIdentityProblem(Connection c, TableId table, String relation,
            String identity, boolean toastable) throws SQLException {
        String fix = "; run ALTER TABLE " + sqlName(table) + " REPLICA IDENTITY " + (toastable ? "FULL" : "DEFAULT (or FULL)");
        if ("n".equals(identity)) {
            return Optional.of("source.tables: table " + table + " has REPLICA IDENTITY NOTHING, so its deletes"
                    + " reach the WAL without the primary key and could not be applied" + fix);
        }
        if (!"i".equals(identity)) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT ic.relname,"
                + " (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)"
                + "  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum),"
                + " (SELECT string_agg(a.attname, ', ' ORDER BY a.attname) FROM unnest(i.indkey) k(attnum)"
                + "  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum),"
                + " (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM pg_index p"
                + "  CROSS JOIN LATERAL unnest(p.indkey) WITH ORDINALITY k(attnum, ord)"
                + "  JOIN pg_attribute a ON a.attrelid = p.indrelid AND a.attnum = k.attnum"
                + "  WHERE p.indrelid = i.indrelid AND p.indisprimary),"
                + " (SELECT string_agg(a.attname, ', ' ORDER BY a.attname) FROM pg_index p"
                + "  CROSS JOIN LATERAL unnest(p.indkey) k(attnum)"
                + "  JOIN pg_attribute a ON a.attrelid = p.indrelid AND a.attnum = k.attnum"
                + "  WHERE p.indrelid = i.indrelid AND p.indisprimary)"
                + " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
                + " WHERE i.indrelid = ?::oid AND i.indisreplident")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getString(3) == null || rs.getString(3).equals(rs.getString(5))) {
                    return Optional.empty(); // the primary key's columns, in any order: deletes carry the key
                }
                return Optional.of("source.tables: table " + table + " has REPLICA IDENTITY USING INDEX "
                        + rs.getString(1) + " (" + rs.getString(2) + "), which is not its primary key ("
                        + rs.getString(4) + "), so its deletes reach the WAL without the primary key and could"
                        + " not be applied" + fix);
            }
        }
    }

    /** The leaf partitions of a partitioned table, at any depth. */
    private static List<TableId> leafPartitions(Connection c, String relation) throws SQLException {
        List<TableId> leaves = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT n.nspname, r.relname"
                + " FROM pg_partition_tree(?::oid::regclass) t JOIN pg_class r ON r.oid = t.relid"
                + " JOIN pg_namespace n ON n.oid = r.relnamespace WHERE t.isleaf ORDER BY 1, 2")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return leaves;
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
