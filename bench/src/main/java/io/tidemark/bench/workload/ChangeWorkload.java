package io.tidemark.bench.workload;

import io.tidemark.bench.db.OrdersTable;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Writes a seeded, reproducible stream of row changes to the bench table: the same seed gives
 * every phase the same rows and the same changes. Changes go in multi-row transactions, each sent
 * as at most three JDBC batches (deletes, updates, inserts); a transaction never touches a row
 * twice, so the order of the batches inside it does not matter. The stream can also be sent to
 * any other {@link Target} (the Redis anchor turns it into the Redis sink's script calls).
 */
public final class ChangeWorkload {

    /** What {@link #run} wrote. */
    public record Counts(int inserts, int updates, int deletes, int transactions) {
        public int total() {
            return inserts + updates + deletes;
        }
    }

    /** A new row: every column but {@code version}, which an insert sets to 1. */
    public record Row(long id, String customer, BigDecimal amount, String status, String note,
            LocalDateTime updatedAt) {}

    /** An update of a row: the columns it sets; {@code version} goes up by one, {@code customer} stays. */
    public record Update(long id, BigDecimal amount, String status, String note, LocalDateTime updatedAt) {}

    /**
     * Where the generated changes go, in the order they are generated; a transaction ends with
     * {@link #commit()}. Inside one transaction no row is touched twice, so a target may apply its
     * changes in any order.
     */
    public interface Target {
        void insert(Row row) throws SQLException;

        void update(Update update) throws SQLException;

        void delete(long id) throws SQLException;

        void commit() throws SQLException;
    }

    public static final String INSERT = "INSERT INTO orders (id, customer, amount, status, note, updated_at, version)"
            + " VALUES (?, ?, ?, ?, ?, ?, 1)";
    private static final String UPDATE = "UPDATE orders SET amount = ?, status = ?, note = ?, updated_at = ?,"
            + " version = version + 1 WHERE id = ?";
    private static final String DELETE = "DELETE FROM orders WHERE id = ?";
    private static final String[] STATUSES = {"new", "paid", "shipped", "returned", "cancelled"};
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");
    /** The snapshot's inserts are sent in JDBC batches of this many rows. */
    private static final int SEED_BATCH = 5000;

    private final Random random;
    private final ChangeMix mix;
    private final int transactionSize;
    private final List<Long> live = new ArrayList<>();
    private long nextId = 1;
    private long clockMillis;

    public ChangeWorkload(long seed, ChangeMix mix, int transactionSize) {
        if (transactionSize < 1) {
            throw new IllegalArgumentException("transactionSize must be at least 1");
        }
        this.random = new Random(seed);
        this.mix = mix;
        this.transactionSize = transactionSize;
    }

    /** Inserts the marker row (status {@code start}) and {@code rows} rows: what the snapshot reads. */
    public void seed(Connection c, int rows) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (JdbcTarget target = new JdbcTarget(c)) {
            seed(target, rows);
        }
        c.setAutoCommit(autoCommit);
    }

    /** Sends the marker row (status {@code start}) and {@code rows} rows to {@code target}, in one transaction. */
    public void seed(Target target, int rows) throws SQLException {
        Row marker = nextRow(OrdersTable.MARKER_ID);
        target.insert(new Row(marker.id(), marker.customer(), marker.amount(), "start", marker.note(),
                marker.updatedAt()));
        for (int i = 0; i < rows; i++) {
            long id = nextId++;
            target.insert(nextRow(id));
            live.add(id);
        }
        target.commit();
    }

    /** Writes {@code changes} changes in transactions of {@code transactionSize} changes. */
    public Counts run(Connection c, int changes) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        Counts counts;
        try (JdbcTarget target = new JdbcTarget(c)) {
            counts = run(target, changes);
        }
        c.setAutoCommit(autoCommit);
        return counts;
    }

    /** Sends {@code changes} changes to {@code target} in transactions of {@code transactionSize} changes. */
    public Counts run(Target target, int changes) throws SQLException {
        int inserts = 0;
        int updates = 0;
        int deletes = 0;
        int transactions = 0;
        int done = 0;
        Set<Long> touched = new HashSet<>();
        List<Long> inserted = new ArrayList<>();
        while (done < changes) {
            int inThisTransaction = Math.min(transactionSize, changes - done);
            touched.clear();
            inserted.clear();
            for (int i = 0; i < inThisTransaction; i++) {
                int dice = random.nextInt(100);
                Long picked = dice >= mix.insertPercent() ? untouchedLiveIndex(touched) : null;
                if (picked == null) {
                    long id = nextId++;
                    target.insert(nextRow(id));
                    inserted.add(id);
                    inserts++;
                } else if (dice < mix.insertPercent() + mix.updatePercent()) {
                    long id = live.get(picked.intValue());
                    touched.add(id);
                    BigDecimal amount = amount();
                    String status = STATUSES[random.nextInt(STATUSES.length)];
                    String note = random.nextInt(10) == 0 ? null : "updated " + random.nextInt(100_000) + " ✓";
                    target.update(new Update(id, amount, status, note, nextTimestamp()));
                    updates++;
                } else {
                    int index = picked.intValue();
                    long id = live.get(index);
                    live.set(index, live.get(live.size() - 1));
                    live.remove(live.size() - 1);
                    target.delete(id);
                    deletes++;
                }
            }
            target.commit();
            live.addAll(inserted);
            transactions++;
            done += inThisTransaction;
        }
        return new Counts(inserts, updates, deletes, transactions);
    }

    /** Sets the marker row's status in a transaction of its own. */
    public static void mark(Connection c, String status) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE orders SET status = ?, version = version + 1 WHERE id = ?")) {
            ps.setString(1, status);
            ps.setLong(2, OrdersTable.MARKER_ID);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("the marker row is missing from the source table");
            }
        }
        c.setAutoCommit(autoCommit);
    }

    /**
     * Binds the six parameters of {@link #INSERT} (id, customer, amount, status, note, updated_at)
     * with the next values of the seeded stream.
     */
    public void bindRow(PreparedStatement ps, long id) throws SQLException {
        bind(ps, nextRow(id));
    }

    private static void bind(PreparedStatement ps, Row row) throws SQLException {
        ps.setLong(1, row.id());
        ps.setString(2, row.customer());
        ps.setBigDecimal(3, row.amount());
        ps.setString(4, row.status());
        ps.setString(5, row.note());
        ps.setObject(6, row.updatedAt());
    }

    /** The next values of the seeded stream for a new row {@code id} (status {@code new}). */
    private Row nextRow(long id) {
        String customer = "customer-" + random.nextInt(5_000);
        BigDecimal amount = amount();
        String note = random.nextInt(10) == 0 ? null : "note for order " + id + " ünïcödé";
        return new Row(id, customer, amount, "new", note, nextTimestamp());
    }

    /** A random index into {@link #live} whose row this transaction has not touched, or null. */
    private Long untouchedLiveIndex(Set<Long> touched) {
        if (live.isEmpty()) {
            return null;
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            int index = random.nextInt(live.size());
            if (!touched.contains(live.get(index))) {
                return (long) index;
            }
        }
        return null; // a tiny live set that this transaction already covers: insert instead
    }

    private BigDecimal amount() {
        return BigDecimal.valueOf(random.nextInt(10_000_000), 2);
    }

    private LocalDateTime nextTimestamp() {
        clockMillis += 1 + random.nextInt(5);
        return LocalDateTime.ofInstant(EPOCH.plusMillis(clockMillis), ZoneOffset.UTC);
    }

    /**
     * The JDBC target: a transaction's deletes, updates and inserts each go as one batch, in that
     * order, then the transaction commits; inserts are also sent every {@value #SEED_BATCH} rows.
     */
    private static final class JdbcTarget implements Target, AutoCloseable {
        private final Connection connection;
        private final PreparedStatement insert;
        private final PreparedStatement update;
        private final PreparedStatement delete;
        private int inserts;
        private int updates;
        private int deletes;

        JdbcTarget(Connection connection) throws SQLException {
            this.connection = connection;
            this.insert = connection.prepareStatement(INSERT);
            this.update = connection.prepareStatement(UPDATE);
            this.delete = connection.prepareStatement(DELETE);
        }

        @Override
        public void insert(Row row) throws SQLException {
            bind(insert, row);
            insert.addBatch();
            if (++inserts % SEED_BATCH == 0) {
                insert.executeBatch();
            }
        }

        @Override
        public void update(Update change) throws SQLException {
            update.setBigDecimal(1, change.amount());
            update.setString(2, change.status());
            update.setString(3, change.note());
            update.setObject(4, change.updatedAt());
            update.setLong(5, change.id());
            update.addBatch();
            updates++;
        }

        @Override
        public void delete(long id) throws SQLException {
            delete.setLong(1, id);
            delete.addBatch();
            deletes++;
        }

        @Override
        public void commit() throws SQLException {
            if (deletes > 0) {
                delete.executeBatch();
            }
            if (updates > 0) {
                update.executeBatch();
            }
            if (inserts % SEED_BATCH > 0) {
                insert.executeBatch();
            }
            connection.commit();
            inserts = 0;
            updates = 0;
            deletes = 0;
        }

        @Override
        public void close() throws SQLException {
            try (insert; update; delete) {
                // closes all three
            }
        }
    }
}
