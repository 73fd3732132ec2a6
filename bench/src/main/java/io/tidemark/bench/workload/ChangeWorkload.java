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
 * twice, so the order of the batches inside it does not matter.
 */
public final class ChangeWorkload {

    /** What {@link #run} wrote. */
    public record Counts(int inserts, int updates, int deletes, int transactions) {
        public int total() {
            return inserts + updates + deletes;
        }
    }

    public static final String INSERT = "INSERT INTO orders (id, customer, amount, status, note, updated_at, version)"
            + " VALUES (?, ?, ?, ?, ?, ?, 1)";
    private static final String UPDATE = "UPDATE orders SET amount = ?, status = ?, note = ?, updated_at = ?,"
            + " version = version + 1 WHERE id = ?";
    private static final String DELETE = "DELETE FROM orders WHERE id = ?";
    private static final String[] STATUSES = {"new", "paid", "shipped", "returned", "cancelled"};
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");

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
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
            bindRow(insert, OrdersTable.MARKER_ID);
            insert.setString(4, "start");
            insert.addBatch();
            for (int i = 0; i < rows; i++) {
                long id = nextId++;
                bindRow(insert, id);
                insert.addBatch();
                live.add(id);
                if (i % 5000 == 4999) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
        c.commit();
        c.setAutoCommit(autoCommit);
    }

    /** Writes {@code changes} changes in transactions of {@code transactionSize} changes. */
    public Counts run(Connection c, int changes) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        int inserts = 0;
        int updates = 0;
        int deletes = 0;
        int transactions = 0;
        try (PreparedStatement insert = c.prepareStatement(INSERT);
                PreparedStatement update = c.prepareStatement(UPDATE);
                PreparedStatement delete = c.prepareStatement(DELETE)) {
            int done = 0;
            Set<Long> touched = new HashSet<>();
            List<Long> inserted = new ArrayList<>();
            while (done < changes) {
                int inThisTransaction = Math.min(transactionSize, changes - done);
                touched.clear();
                inserted.clear();
                int batchedInserts = 0;
                int batchedUpdates = 0;
                int batchedDeletes = 0;
                for (int i = 0; i < inThisTransaction; i++) {
                    int dice = random.nextInt(100);
                    Long target = dice >= mix.insertPercent() ? untouchedLiveIndex(touched) : null;
                    if (target == null) {
                        long id = nextId++;
                        bindRow(insert, id);
                        insert.addBatch();
                        inserted.add(id);
                        batchedInserts++;
                    } else if (dice < mix.insertPercent() + mix.updatePercent()) {
                        long id = live.get(target.intValue());
                        touched.add(id);
                        update.setBigDecimal(1, amount());
                        update.setString(2, STATUSES[random.nextInt(STATUSES.length)]);
                        update.setString(3, random.nextInt(10) == 0 ? null : "updated " + random.nextInt(100_000) + " ✓");
                        update.setObject(4, nextTimestamp());
                        update.setLong(5, id);
                        update.addBatch();
                        batchedUpdates++;
                    } else {
                        int index = target.intValue();
                        long id = live.get(index);
                        live.set(index, live.get(live.size() - 1));
                        live.remove(live.size() - 1);
                        delete.setLong(1, id);
                        delete.addBatch();
                        batchedDeletes++;
                    }
                }
                if (batchedDeletes > 0) {
                    delete.executeBatch();
                }
                if (batchedUpdates > 0) {
                    update.executeBatch();
                }
                if (batchedInserts > 0) {
                    insert.executeBatch();
                }
                c.commit();
                live.addAll(inserted);
                inserts += batchedInserts;
                updates += batchedUpdates;
                deletes += batchedDeletes;
                transactions++;
                done += inThisTransaction;
            }
        }
        c.setAutoCommit(autoCommit);
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
        ps.setLong(1, id);
        ps.setString(2, "customer-" + random.nextInt(5_000));
        ps.setBigDecimal(3, amount());
        ps.setString(4, "new");
        ps.setString(5, random.nextInt(10) == 0 ? null : "note for order " + id + " ünïcödé");
        ps.setObject(6, nextTimestamp());
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
}
