package io.tidemark.cli.chaos;

import io.tidemark.pipeline.testing.OrdersWorkload;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One source's writer in a chaos run: an {@link OrdersWorkload} on its own thread at a steady rate,
 * up to a target the run raises round by round, plus the poison rows and the markers the run adds.
 * A source restart happens {@linkplain #withWritesStopped between transactions}, as an application
 * finds its database gone; the writer then reconnects.
 */
final class ChaosWorkload implements AutoCloseable {

    /** Rows whose changes the narrow sink table rejects: note too long, negative amount, version out of range, note too long (insert). */
    static final Set<Long> POISONED = Set.of(900001L, 900002L, 900003L, 900005L);

    /** Rows whose later changes wait behind their rejected one. */
    static final Set<Long> PARKED = Set.of(900001L, 900002L, 900003L);

    /** Markers, inserted at each fault, have ids from here on; the workload's own ids stay far below. */
    static final long FIRST_MARKER = 800_000;

    private static final String INSERT = "INSERT INTO orders (id, customer, amount, status, note, updated_at, version)"
            + " VALUES ";
    private static final int CHUNK = 50;

    /** Opens a connection to the source database. */
    interface Connector {
        Connection connect() throws SQLException;
    }

    private final String name;
    private final Connector connector;
    private final OrdersWorkload workload;
    private final int changesPerSecond;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong done = new AtomicLong();
    private final Thread thread;
    private volatile long target;
    private volatile boolean closed;
    private volatile Throwable failure;
    private Connection connection;

    ChaosWorkload(String name, Connector connector, long seed, int changesPerSecond) {
        this.name = name;
        this.connector = connector;
        this.workload = new OrdersWorkload(seed, 1);
        this.changesPerSecond = changesPerSecond;
        this.thread = new Thread(this::write, "chaos-workload-" + name);
        this.thread.setDaemon(true);
    }

    /** The rows a snapshot copies, and the four poison rows, still valid. */
    void seed(int rows) throws SQLException {
        workload.seed(connection(), rows);
        execute(INSERT + "(900001, 'poison-900001', 1, 'new', 'ok', now(), 1),"
                + " (900002, 'poison-900002', 1, 'new', 'ok', now(), 1),"
                + " (900003, 'poison-900003', 1, 'new', 'ok', now(), 1),"
                + " (900004, 'poison-900004', 1, 'new', 'ok', now(), 1)");
        thread.start();
    }

    /** Changes the sink rejects: three updates and an insert. */
    void poison() throws SQLException {
        execute("UPDATE orders SET note = REPEAT('n', 100), version = version + 1 WHERE id = 900001",
                "UPDATE orders SET amount = -1, version = version + 1 WHERE id = 900002",
                "UPDATE orders SET version = 40000 WHERE id = 900003",
                INSERT + "(900005, 'poison-900005', 1, 'new', REPEAT('m', 100), now(), 1)");
    }

    /** Later changes of poisoned rows, which the sink parks behind the rejected ones. */
    void changePoisonedRowsAgain() throws SQLException {
        execute("UPDATE orders SET status = 'paid' WHERE id IN (900001, 900002, 900003)");
    }

    /** Inserts marker row {@code FIRST_MARKER + index}, which shows when a sink has caught up with the source. */
    long insertMarker(int index, String note) throws SQLException {
        long id = FIRST_MARKER + index;
        execute(INSERT + "(" + id + ", 'marker', 0, 'new', '" + note.replace("'", "") + "', now(), 1)");
        return id;
    }

    /** Lets the writer go on until it has made {@code total} changes in all. */
    void runUntil(long total) {
        target = total;
    }

    long done() {
        return done.get();
    }

    /** Waits until the writer has reached its target; fails with the writer's error, if it had one. */
    void awaitTarget(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done.get() < target) {
            throwIfFailed();
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " workload made " + done.get() + " of " + target + " changes in "
                        + timeout.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
        throwIfFailed();
    }

    /** Runs {@code action} (a source restart) between two of the writer's transactions. */
    void withWritesStopped(ThrowingAction action) throws Exception {
        writing.lock();
        try {
            action.run();
            closeConnection(); // the server it belonged to is gone
        } finally {
            writing.unlock();
        }
    }

    /** A fault's action. */
    interface ThrowingAction {
        void run() throws Exception;
    }

    private void execute(String... statements) throws SQLException {
        writing.lock();
        try (Statement st = connection().createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } finally {
            writing.unlock();
        }
    }

    private void write() {
        long chunkNanos = TimeUnit.SECONDS.toNanos(CHUNK) / changesPerSecond;
        try {
            while (!closed) {
                long left = target - done.get();
                if (left <= 0) {
                    Thread.sleep(20);
                    continue;
                }
                long started = System.nanoTime();
                writing.lock();
                try {
                    done.addAndGet(workload.run(connection(), (int) Math.min(CHUNK, left)));
                } finally {
                    writing.unlock();
                }
                long pause = chunkNanos - (System.nanoTime() - started);
                if (pause > 0) {
                    TimeUnit.NANOSECONDS.sleep(pause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = connector.connect();
        }
        if (!connection.getAutoCommit()) {
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the server went away under it
            }
            connection = null;
        }
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw new AssertionError(name + " workload failed after " + done.get() + " changes: " + failure, failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(TimeUnit.SECONDS.toMillis(30));
        writing.lock();
        try {
            closeConnection();
        } finally {
            writing.unlock();
        }
    }

    @Override
    public String toString() {
        return name + " workload (" + done.get() + " changes)";
    }
}
