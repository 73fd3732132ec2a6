package io.tidemark.pipeline.testing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Changes to the parent/child tables of {@code ddl/customers-purchases.sql}, in transactions a
 * source with a unique email and a foreign key accepts: customers swap emails (through a free
 * value, as PostgreSQL's immediate unique check requires), new customers come with a first
 * purchase, purchases move between customers, customers leave with their purchases. Applied out
 * of source order across rows, many of these would violate the sink's constraints.
 */
public final class CustomersWorkload {

    private final Random random;
    private long nextCustomer = 1;
    private long nextPurchase = 1;

    public CustomersWorkload(long seed) {
        this.random = new Random(seed);
    }

    public void seed(Connection c, int customers) throws SQLException {
        c.setAutoCommit(false);
        for (int i = 0; i < customers; i++) {
            newCustomer(c);
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** Runs {@code transactions} random transactions. */
    public void run(Connection c, int transactions) throws SQLException {
        c.setAutoCommit(false);
        for (int t = 0; t < transactions; t++) {
            int dice = random.nextInt(100);
            List<long[]> two = randomCustomers(c, 2);
            if (dice < 35 && two.size() == 2) {
                swapEmails(c, two.get(0)[0], two.get(1)[0]);
            } else if (dice < 55 || two.size() < 2) {
                newCustomer(c);
            } else if (dice < 75) {
                execute(c, "UPDATE purchases SET amount = amount + 1, version = version + 1 WHERE id = (SELECT id FROM"
                        + " purchases ORDER BY random() LIMIT 1)");
            } else if (dice < 90) {
                execute(c, "UPDATE purchases SET customer_id = " + two.get(1)[0] + ", version = version + 1"
                        + " WHERE customer_id = " + two.get(0)[0]);
            } else {
                long leaving = two.get(0)[0];
                execute(c, "DELETE FROM purchases WHERE customer_id = " + leaving);
                execute(c, "DELETE FROM customers WHERE id = " + leaving);
            }
            c.commit();
        }
        c.setAutoCommit(true);
    }

    private void swapEmails(Connection c, long a, long b) throws SQLException {
        String emailA = email(c, a);
        String emailB = email(c, b);
        update(c, a, "swapping-" + a + "@example.org");
        update(c, b, emailA);
        update(c, a, emailB);
    }

    private void newCustomer(Connection c) throws SQLException {
        long id = nextCustomer++;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, email, name, version) VALUES (?, ?, ?, 1)")) {
            ps.setLong(1, id);
            ps.setString(2, "c" + id + "@example.org");
            ps.setString(3, "Customer " + id);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO purchases (id, customer_id, amount, version) VALUES (?, ?, ?, 1)")) {
            ps.setLong(1, nextPurchase++);
            ps.setLong(2, id);
            ps.setBigDecimal(3, BigDecimal.valueOf(random.nextInt(100_000), 2));
            ps.executeUpdate();
        }
    }

    private void update(Connection c, long id, String email) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE customers SET email = ?, version = version + 1 WHERE id = ?")) {
            ps.setString(1, email);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    private static String email(Connection c, long id) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT email FROM customers WHERE id = " + id)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private List<long[]> randomCustomers(Connection c, int n) throws SQLException {
        List<long[]> ids = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id FROM customers ORDER BY md5(id::text || '" + random.nextInt()
                        + "') LIMIT " + n)) {
            while (rs.next()) {
                ids.add(new long[] {rs.getLong(1)});
            }
        }
        return ids;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
