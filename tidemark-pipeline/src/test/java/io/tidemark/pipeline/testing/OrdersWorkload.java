package io.tidemark.pipeline.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Inserts, updates and deletes rows of the {@code orders} table of {@code ddl/orders.sql} in small
 * transactions, from a seeded random, re-inserting deleted keys now and then (the case where a
 * replayed old insert could resurrect a row).
 */
public final class OrdersWorkload {

    private final Random random;
    private final List<Long> live = new ArrayList<>();
    private final List<Long> deleted = new ArrayList<>();
    private final String table;
    private final String insertSql;
    private long nextId;

    public OrdersWorkload(long seed, long firstId) {
        this(seed, firstId, "orders");
    }

    /** A workload on another table with the columns of {@code orders}. */
    public OrdersWorkload(long seed, long firstId, String table) {
        this.random = new Random(seed);
        this.nextId = firstId;
        this.table = table;
        this.insertSql = "INSERT INTO " + table
                + " (id, customer, amount, status, note, updated_at, version) VALUES (?, ?, ?, ?, ?, now(), 1)";
    }

    /** Inserts {@code rows} rows in batches, as the data a snapshot will read. */
    public void seed(Connection c, int rows) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement insert = c.prepareStatement(insertSql)) {
            for (int i = 0; i < rows; i++) {
                bindInsert(insert, nextId++);
                insert.addBatch();
                if (i % 1000 == 999) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** Runs {@code changes} random changes and returns how many were made. */
    public int run(Connection c, int changes) throws SQLException {
        c.setAutoCommit(false);
        int done = 0;
        try (PreparedStatement insert = c.prepareStatement(insertSql);
                PreparedStatement update = c.prepareStatement(
                        "UPDATE " + table + " SET amount = ?, status = ?, note = ?, updated_at = now(), version = version + 1 WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            while (done < changes) {
                int inTransaction = 1 + random.nextInt(20);
                for (int i = 0; i < inTransaction && done < changes; i++, done++) {
                    int dice = random.nextInt(100);
                    if (dice < 30 || live.isEmpty()) {
                        long id = !deleted.isEmpty() && random.nextInt(4) == 0
                                ? deleted.remove(random.nextInt(deleted.size()))
                                : nextId++;
                        bindInsert(insert, id);
                        insert.executeUpdate();
                    } else if (dice < 80) {
                        long id = live.get(random.nextInt(live.size()));
                        update.setBigDecimal(1, amount());
                        update.setString(2, STATUSES[random.nextInt(STATUSES.length)]);
                        update.setString(3, "updated " + random.nextInt(1000) + " ✓ ünïcödé");
                        update.setLong(4, id);
                        update.executeUpdate();
                    } else {
                        int index = random.nextInt(live.size());
                        long id = live.get(index);
                        live.set(index, live.get(live.size() - 1));
                        live.remove(live.size() - 1);
                        delete.setLong(1, id);
                        delete.executeUpdate();
                        deleted.add(id);
                    }
                }
                c.commit();
            }
        }
        c.setAutoCommit(true);
        return done;
    }

    /**
     * Truncates the table, as its own transaction; its keys count as deleted, so later inserts may
     * bring them back (the case where a replay from before the truncate must not).
     */
    public void truncate(Connection c) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute("TRUNCATE TABLE " + table);
        }
        deleted.addAll(live);
        live.clear();
    }

    private static final String[] STATUSES = {"new", "paid", "shipped", "returned"};

    private void bindInsert(PreparedStatement insert, long id) throws SQLException {
        insert.setLong(1, id);
        insert.setString(2, "customer-" + random.nextInt(500));
        insert.setBigDecimal(3, amount());
        insert.setString(4, "new");
        insert.setString(5, random.nextInt(10) == 0 ? null : "note " + id);
        live.add(id);
    }

    private java.math.BigDecimal amount() {
        return java.math.BigDecimal.valueOf(random.nextInt(1_000_000), 2);
    }
}
