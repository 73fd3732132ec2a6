package io.tidemark.pipeline.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Random;

/**
 * Money moving between the accounts of {@code ddl/accounts.sql}: every source transaction makes one
 * to four transfers (two to eight row updates; {@link #transaction} makes larger ones), so the total balance is the same after every
 * source commit and different in between. A sink that commits part of a source transaction shows
 * a total the source never had. Plain SQL, so it runs on PostgreSQL and MariaDB alike.
 */
public final class TransfersWorkload {

    /** Every account starts with this balance. */
    public static final long OPENING_BALANCE = 1_000;

    private final Random random;
    private final int accounts;

    public TransfersWorkload(long seed, int accounts) {
        this.random = new Random(seed);
        this.accounts = accounts;
    }

    /** The total balance the source has after every one of its commits. */
    public long total() {
        return accounts * OPENING_BALANCE;
    }

    public void seed(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, balance, version) VALUES (?, ?, 1)")) {
            for (int id = 1; id <= accounts; id++) {
                ps.setLong(1, id);
                ps.setLong(2, OPENING_BALANCE);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** Runs {@code transactions} transactions of one to four transfers each; returns the row updates made. */
    public int run(Connection c, int transactions) throws SQLException {
        int updates = 0;
        for (int t = 0; t < transactions; t++) {
            updates += transaction(c, 1 + random.nextInt(4));
        }
        return updates;
    }

    /** Runs one transaction of {@code transfers} transfers; returns the row updates made. */
    public int transaction(Connection c, int transfers) throws SQLException {
        int updates = 0;
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE accounts SET balance = balance + ?, version = version + 1 WHERE id = ?")) {
            for (int i = 0; i < transfers; i++) {
                long from = 1 + random.nextInt(accounts);
                long to = 1 + random.nextInt(accounts - 1);
                to = to >= from ? to + 1 : to; // never the same account
                long amount = 1 + random.nextInt(100);
                move(ps, from, -amount);
                move(ps, to, amount);
                updates += 2;
            }
            c.commit();
        }
        c.setAutoCommit(true);
        return updates;
    }

    private static void move(PreparedStatement ps, long account, long amount) throws SQLException {
        ps.setLong(1, amount);
        ps.setLong(2, account);
        ps.executeUpdate();
    }
}
