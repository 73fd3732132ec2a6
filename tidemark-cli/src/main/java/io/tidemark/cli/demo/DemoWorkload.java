package io.tidemark.cli.demo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seeds the source and then changes it from a background thread at a steady rate: inserts,
 * updates and deletes of orders and customers in small transactions, now and then re-inserting a
 * deleted order (the case where a replayed old change could bring a row back).
 */
final class DemoWorkload {

    /** Opens a connection to the source. */
    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(DemoWorkload.class);

    private static final String[] FIRST_NAMES = {
        "Ada", "Zoë", "José", "Björk", "Anaïs", "Søren", "Łukasz", "Chloé", "Mateo", "Amara", "Kenji", "Ingrid",
        "Nadia", "Oskar", "Priya", "Tomás", "Yara", "Émile", "Hana", "Luca"
    };
    private static final String[] LAST_NAMES = {
        "Lovelace", "Müller", "Álvarez", "Guðmundsdóttir", "Nin", "Kierkegaard", "Wróbel", "Dubois", "García",
        "Okafor", "Tanaka", "Berg", "Haddad", "Lindqvist", "Patel", "Ruiz", "Mansour", "Zola", "Novák", "Rossi"
    };
    private static final String[] COUNTRIES = {"DE", "FR", "ES", "IS", "DK", "PL", "JP", "NG", "SE", "IN", "US", "BR"};
    private static final String[] TIERS = {"bronze", "silver", "gold", "platinum"};
    private static final String[] STATUSES = {"new", "paid", "packed", "shipped", "delivered", "returned"};

    private static final String INSERT_CUSTOMER =
            "INSERT INTO customers (id, name, email, country, credit_limit, active, tags, created_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, now() - make_interval(secs => ?), now())";
    private static final String UPDATE_CUSTOMER =
            "UPDATE customers SET credit_limit = ?, active = ?, tags = ?::jsonb, updated_at = now() WHERE id = ?";
    private static final String DELETE_CUSTOMER = "DELETE FROM customers WHERE id = ?";
    private static final String INSERT_ORDER =
            "INSERT INTO orders (customer_id, order_no, status, amount, items, note, placed_at, updated_at, version)"
                    + " VALUES (?, ?, 'new', ?, ?::jsonb, ?, now() - make_interval(secs => ?), now(), 1)";
    private static final String UPDATE_ORDER =
            "UPDATE orders SET status = ?, amount = ?, items = ?::jsonb, note = ?, updated_at = now(),"
                    + " version = version + 1 WHERE customer_id = ? AND order_no = ?";
    private static final String DELETE_ORDER = "DELETE FROM orders WHERE customer_id = ? AND order_no = ?";

    private final Random random;
    private final List<Long> customers = new ArrayList<>();
    private final List<long[]> orders = new ArrayList<>();
    private final List<long[]> deletedOrders = new ArrayList<>();
    private final Map<Long, Integer> lastOrderNo = new HashMap<>();
    private long nextCustomerId = 1;

    private final AtomicLong changes = new AtomicLong();
    private volatile boolean stopping;
    private volatile Throwable error;
    private Thread thread;

    DemoWorkload(long seed) {
        this.random = new Random(seed);
    }

    /** Inserts the initial rows, which the job's snapshot will copy. */
    void seed(Connection c, int customerCount, int orderCount) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement customer = c.prepareStatement(INSERT_CUSTOMER);
                PreparedStatement order = c.prepareStatement(INSERT_ORDER)) {
            for (int i = 0; i < customerCount; i++) {
                bindNewCustomer(customer);
                customer.addBatch();
            }
            customer.executeBatch();
            for (int i = 0; i < orderCount; i++) {
                bindNewOrder(order, nextOrderKey());
                order.addBatch();
                if (i % 1000 == 999) {
                    order.executeBatch();
                }
            }
            order.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** Starts changing the source, about {@code perSecond} changes a second, until {@link #stop()}. */
    void start(Connector connector, int perSecond) {
        thread = new Thread(() -> run(connector, perSecond), "tidemark-demo-workload");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the workload after its current transaction. */
    void stop() throws InterruptedException {
        stopping = true;
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** Changes committed so far. */
    long changes() {
        return changes.get();
    }

    /** Why the workload stopped by itself, or null. */
    Throwable error() {
        return error;
    }

    private void run(Connector connector, int perSecond) {
        long started = System.nanoTime();
        try (Connection c = connector.connect()) {
            c.setAutoCommit(false);
            try (Statements st = new Statements(c)) {
                while (!stopping) {
                    int inTransaction = 1 + random.nextInt(8);
                    for (int i = 0; i < inTransaction; i++) {
                        change(st);
                    }
                    c.commit();
                    long done = changes.addAndGet(inTransaction);
                    long dueNanos = started + done * 1_000_000_000L / perSecond;
                    long wait = dueNanos - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // pacing of the workload, not a wait for a result
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            if (!stopping) {
                LOG.error("Demo workload failed", e);
                error = e;
            }
        }
    }

    private void change(Statements st) throws SQLException {
        int dice = random.nextInt(100);
        if (dice < 30 || orders.isEmpty()) {
            long[] key = !deletedOrders.isEmpty() && random.nextInt(4) == 0
                    ? deletedOrders.remove(random.nextInt(deletedOrders.size()))
                    : nextOrderKey();
            bindNewOrder(st.insertOrder, key);
            st.insertOrder.executeUpdate();
        } else if (dice < 65) {
            long[] key = orders.get(random.nextInt(orders.size()));
            st.updateOrder.setString(1, STATUSES[random.nextInt(STATUSES.length)]);
            st.updateOrder.setBigDecimal(2, money(50_000));
            st.updateOrder.setString(3, items());
            st.updateOrder.setString(4, random.nextInt(5) == 0 ? null : "updated, call before delivery ✓");
            st.updateOrder.setLong(5, key[0]);
            st.updateOrder.setInt(6, (int) key[1]);
            st.updateOrder.executeUpdate();
        } else if (dice < 77) {
            long[] key = removeRandom(orders);
            st.deleteOrder.setLong(1, key[0]);
            st.deleteOrder.setInt(2, (int) key[1]);
            st.deleteOrder.executeUpdate();
            deletedOrders.add(key);
        } else if (dice < 92 && !customers.isEmpty()) {
            long id = customers.get(random.nextInt(customers.size()));
            st.updateCustomer.setBigDecimal(1, money(2_000_000));
            st.updateCustomer.setBoolean(2, random.nextInt(10) != 0);
            st.updateCustomer.setString(3, tags());
            st.updateCustomer.setLong(4, id);
            st.updateCustomer.executeUpdate();
        } else if (dice < 97 || customers.size() < 10) {
            bindNewCustomer(st.insertCustomer);
            st.insertCustomer.executeUpdate();
        } else {
            long id = removeRandom(customers);
            st.deleteCustomer.setLong(1, id);
            st.deleteCustomer.executeUpdate();
        }
    }

    private void bindNewCustomer(PreparedStatement insert) throws SQLException {
        long id = nextCustomerId++;
        String first = FIRST_NAMES[random.nextInt(FIRST_NAMES.length)];
        String last = LAST_NAMES[random.nextInt(LAST_NAMES.length)];
        insert.setLong(1, id);
        insert.setString(2, first + " " + last);
        insert.setString(3, (first + "." + last + "." + id + "@example.com").toLowerCase(Locale.ROOT));
        insert.setString(4, COUNTRIES[random.nextInt(COUNTRIES.length)]);
        insert.setBigDecimal(5, money(2_000_000));
        insert.setBoolean(6, true);
        insert.setString(7, random.nextInt(8) == 0 ? null : tags());
        insert.setInt(8, random.nextInt(3 * 365 * 24 * 3600));
        customers.add(id);
    }

    private long[] nextOrderKey() {
        long customer = customers.get(random.nextInt(customers.size()));
        int orderNo = lastOrderNo.merge(customer, 1, Integer::sum);
        return new long[] {customer, orderNo};
    }

    private void bindNewOrder(PreparedStatement insert, long[] key) throws SQLException {
        insert.setLong(1, key[0]);
        insert.setInt(2, (int) key[1]);
        insert.setBigDecimal(3, money(50_000));
        insert.setString(4, items());
        insert.setString(5, random.nextInt(3) == 0 ? null : "leave at the door — porte arrière");
        insert.setInt(6, random.nextInt(90 * 24 * 3600));
        orders.add(key);
    }

    private String items() {
        StringBuilder json = new StringBuilder("[");
        int lines = 1 + random.nextInt(3);
        for (int i = 0; i < lines; i++) {
            if (i > 0) {
                json.append(", ");
            }
            json.append("{\"sku\": \"SKU-").append(100 + random.nextInt(900))
                    .append("\", \"qty\": ").append(1 + random.nextInt(5))
                    .append(", \"price\": ").append(money(20_000)).append('}');
        }
        return json.append(']').toString();
    }

    private String tags() {
        return "{\"tier\": \"" + TIERS[random.nextInt(TIERS.length)] + "\", \"newsletter\": " + random.nextBoolean()
                + ", \"score\": " + random.nextInt(100) + "}";
    }

    /** An amount with two decimals, below {@code maxCents} / 100. */
    private BigDecimal money(int maxCents) {
        return BigDecimal.valueOf(1 + random.nextInt(maxCents), 2);
    }

    private <T> T removeRandom(List<T> list) {
        int index = random.nextInt(list.size());
        T removed = list.get(index);
        list.set(index, list.get(list.size() - 1));
        list.remove(list.size() - 1);
        return removed;
    }

    /** The workload's prepared statements on one connection. */
    private static final class Statements implements AutoCloseable {
        final PreparedStatement insertCustomer;
        final PreparedStatement updateCustomer;
        final PreparedStatement deleteCustomer;
        final PreparedStatement insertOrder;
        final PreparedStatement updateOrder;
        final PreparedStatement deleteOrder;

        Statements(Connection c) throws SQLException {
            insertCustomer = c.prepareStatement(INSERT_CUSTOMER);
            updateCustomer = c.prepareStatement(UPDATE_CUSTOMER);
            deleteCustomer = c.prepareStatement(DELETE_CUSTOMER);
            insertOrder = c.prepareStatement(INSERT_ORDER);
            updateOrder = c.prepareStatement(UPDATE_ORDER);
            deleteOrder = c.prepareStatement(DELETE_ORDER);
        }

        @Override
        public void close() throws SQLException {
            for (PreparedStatement ps : List.of(insertCustomer, updateCustomer, deleteCustomer, insertOrder, updateOrder, deleteOrder)) {
                ps.close();
            }
        }
    }
}
