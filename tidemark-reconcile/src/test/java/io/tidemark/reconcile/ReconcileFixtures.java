package io.tidemark.reconcile;

import io.tidemark.pipeline.testing.PostgresTestBase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The reconcile tests' data: rows of many types in PostgreSQL, and a workload that changes them while a job runs. */
final class ReconcileFixtures extends PostgresTestBase {

    private ReconcileFixtures() {}

    /**
     * {@code rows} items (every fifth note NULL, every fifth the empty string, every third amount
     * NULL, every eleventh flag NULL, decimals with trailing zeros) and {@code labels} labels with text keys.
     */
    static void seedItems(String database, int rows, int labels) {
        execute(database,
                "INSERT INTO items SELECT g, 'item ' || g,"
                        + " CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN '' ELSE 'note ' || g END,"
                        + " (g % 1000) + 0.5,"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE (g % 97) * 1.25 END,"
                        + " g / 7.0, (g / 3.0)::real, CASE WHEN g % 11 = 0 THEN NULL ELSE g % 2 = 0 END,"
                        + " timestamptz '2024-02-29 10:00:00+01' + g * interval '1 second 1 microsecond',"
                        + " timestamp '2024-01-01 00:00:00' + g * interval '1 minute',"
                        + " date '2024-01-01' + (g % 400),"
                        + " time '00:00' + (g % 86400) * interval '1 second',"
                        + " jsonb_build_object('k', g, 's', 'x ' || g),"
                        + " decode(md5(g::text), 'hex'),"
                        + " ARRAY[g, g + 1]"
                        + " FROM generate_series(1, " + rows + ") g",
                "INSERT INTO labels SELECT 'c-' || g, 'label ' || g FROM generate_series(1, " + labels + ") g");
    }

    /** Updates, inserts and deletes items, one transaction every few milliseconds, until closed. */
    static final class Workload implements AutoCloseable {

        private final Connection connection;
        private final int rows;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger changes = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private int nextId;

        private Workload(Connection connection, int rows) {
            this.connection = connection;
            this.rows = rows;
            this.nextId = rows + 100_000;
            this.thread = new Thread(this::run, "reconcile-workload");
        }

        static Workload start(Connection connection, int rows) {
            Workload workload = new Workload(connection, rows);
            workload.thread.start();
            return workload;
        }

        int changes() {
            return changes.get();
        }

        private void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            try (PreparedStatement update = connection.prepareStatement(
                            "UPDATE items SET name = ?, price = price + 1, ratio = ?, note = ? WHERE id = ?");
                    PreparedStatement insert = connection.prepareStatement(
                            "INSERT INTO items (id, name, price, amount, created) VALUES (?, ?, 1.10, 2.500, now())");
                    PreparedStatement delete = connection.prepareStatement("DELETE FROM items WHERE id = ?");
                    Statement labels = connection.createStatement()) {
                while (!stop.get()) {
                    int dice = random.nextInt(100);
                    if (dice < 60) {
                        update.setString(1, "updated " + random.nextInt());
                        update.setDouble(2, random.nextDouble());
                        update.setString(3, dice % 2 == 0 ? null : "n" + dice);
                        update.setLong(4, 100 + random.nextInt(rows - 100));
                        update.executeUpdate();
                    } else if (dice < 85) {
                        insert.setLong(1, nextId++);
                        insert.setString(2, "inserted");
                        insert.executeUpdate();
                    } else if (dice < 95) {
                        delete.setLong(1, 100 + random.nextInt(rows - 100));
                        delete.executeUpdate();
                    } else {
                        labels.executeUpdate("UPDATE labels SET label = 'relabelled " + random.nextInt()
                                + "' WHERE code = 'c-" + (100 + random.nextInt(100)) + "'");
                    }
                    changes.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            thread.join(10_000);
            connection.close();
            if (failure.get() != null) {
                throw new IllegalStateException("the workload failed", failure.get());
            }
        }
    }

}
