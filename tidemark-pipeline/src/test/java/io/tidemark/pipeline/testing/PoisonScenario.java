package io.tidemark.pipeline.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead-letter tests' poison: against a sink table from {@code ddl/orders-narrow-sink.sql}
 * (shorter note, no negative amount, smallint version), three updates and one insert that the sink
 * rejects, mixed into an {@link OrdersWorkload}, then later changes of the poisoned rows (which
 * must wait behind them). Every later version of a poisoned row still carries its bad value, so a
 * batch that compacts a poison change with a later one still holds a rejected change. The workload never touches the poison rows, so batches never compact a
 * poison change away.
 */
public final class PoisonScenario extends PostgresTestBase {

    /** Rows whose changes the sink rejects: too long, check violation, out of range, too long (insert). */
    public static final Set<Long> POISONED = Set.of(900001L, 900002L, 900003L, 900005L);

    /** The SQLSTATE each poisoned row's rejected change gets. */
    public static final Map<Long, String> ERROR_CLASSES =
            Map.of(900001L, "22001", 900002L, "23514", 900003L, "22003", 900005L, "22001");

    private PoisonScenario() {}

    /** Rows 900001..900004, valid when the snapshot copies them; all but the last are poisoned later. */
    public static void seed(String sourceDb) {
        execute(sourceDb, "INSERT INTO orders (id, customer, amount, status, note, updated_at, version)"
                + " SELECT id, 'poison-' || id, 1, 'new', 'ok', now(), 1 FROM generate_series(900001, 900004) id");
    }

    /** Runs the workload in rounds of {@code changesPerRound}, with the poison and the parked changes between them. */
    public static void run(String sourceDb, OrdersWorkload workload, int changesPerRound) throws SQLException {
        try (Connection c = connect(sourceDb)) {
            workload.run(c, changesPerRound);
            execute(sourceDb,
                    "UPDATE orders SET note = repeat('n', 100), version = version + 1 WHERE id = 900001", // too long
                    "UPDATE orders SET amount = -1, version = version + 1 WHERE id = 900002", // check violation
                    "UPDATE orders SET version = 40000 WHERE id = 900003"); // out of range
            workload.run(c, changesPerRound);
            execute(sourceDb, "INSERT INTO orders (id, customer, amount, status, note, updated_at, version)"
                    + " VALUES (900005, 'poison-900005', 1, 'new', repeat('m', 100), now(), 1)");
            workload.run(c, changesPerRound);
            // later changes of poisoned rows: parked behind their rejected change
            execute(sourceDb, "UPDATE orders SET status = 'paid' WHERE id IN (900001, 900002, 900003)");
            workload.run(c, changesPerRound);
        }
    }

    /** Every row of {@code orders} as text (the given columns), except the poisoned rows. */
    public static List<String> rowsExceptPoisoned(String db, String columns) throws SQLException {
        List<String> rows = new ArrayList<>();
        for (String row : rows(db, "orders", columns, "id")) {
            long id = Long.parseLong(row.substring(row.indexOf(':') + 1, row.indexOf(',')).replaceAll("[^0-9]", ""));
            if (!POISONED.contains(id)) {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * The queue's rejected entries (error classes by row) and parked entries are what the scenario
     * makes: one rejected entry per poisoned row, whatever the restores replayed, and parked entries
     * for poisoned rows that changed again, only.
     */
    public static void assertQueued(Map<Long, List<String>> rejected, Map<Long, List<String>> parked) {
        assertThat(rejected).as("one entry per rejected change, whatever the restores replayed")
                .containsOnlyKeys(POISONED);
        ERROR_CLASSES.forEach((row, errorClass) -> assertThat(rejected.get(row)).as("row %s", row)
                .containsExactly(errorClass));
        // a later change lands in the same batch as the poison after a restore now and then: compacted
        // into one change that is rejected itself (it still carries the bad value), nothing parked
        assertThat(Set.of(900001L, 900002L, 900003L)).as("only later changes of poisoned rows are parked")
                .containsAll(parked.keySet());
    }
}
