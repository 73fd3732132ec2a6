package io.tidemark.cli.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a chaos run measured: each fault and the time it took to heal, and per sink what a user
 * checks afterwards (rows lost or extra, versions applied twice or going back, the dead-letter
 * queue against the poison set). {@link #toMarkdown()} is the table {@code docs/benchmarks.md} keeps.
 */
public record ChaosReport(
        ChaosSettings settings, long postgresChanges, long mariaDbChanges, List<FaultOutcome> faults,
        List<SinkCheck> sinks, Duration took) {

    /**
     * One injected fault.
     *
     * @param healed from the fault's start until a change made after it was in every sink it hit
     * @param restarts job restarts counted by Flink ({@code numRestarts}) over the fault, both jobs
     */
    public record FaultOutcome(int index, FaultKind kind, long changesBefore, Duration healed, long restarts) {}

    /**
     * One sink compared with its source after the run.
     *
     * @param rows rows compared (the source's, poison rows left out where the sink rejects them)
     * @param lost source rows missing from the sink or holding another version there
     * @param extra rows the sink holds that the source does not
     * @param appliedTwice row versions written more than once ({@code null} where counted among regressions)
     * @param regressions writes of a row at a position below one written before (for Redis: not above)
     * @param rejectedRows rows with a rejected entry in the dead-letter queue ({@code null}: the sink has none)
     * @param rejectedEntries rejected entries in all
     * @param parkedRows rows with changes parked behind a rejected one
     * @param queuedTwice queue entries for the same change more than once
     */
    public record SinkCheck(
            String sink, long rows, long lost, long extra, Long appliedTwice, long regressions,
            Set<Long> rejectedRows, long rejectedEntries, Set<Long> parkedRows, long queuedTwice) {

        /** Whether the queue holds exactly the poison: one rejected entry per poisoned row, parked changes of poisoned rows only. */
        public boolean queueHoldsExactlyThePoison() {
            return rejectedRows == null || (rejectedRows.equals(ChaosWorkload.POISONED)
                    && rejectedEntries == ChaosWorkload.POISONED.size()
                    && ChaosWorkload.PARKED.containsAll(parkedRows) && queuedTwice == 0);
        }
    }

    public String toMarkdown() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "Chaos run: %s; %,d changes made (PostgreSQL %,d, MariaDB %,d) in %d s.%n%n",
                settings, postgresChanges + mariaDbChanges, postgresChanges, mariaDbChanges, took.toSeconds()));
        text.append("| # | fault | after changes | healed in | job restarts |\n|---|---|---:|---:|---:|\n");
        for (FaultOutcome fault : faults) {
            text.append(String.format(Locale.ROOT, "| %d | %s | %,d | %.1f s | %d |%n", fault.index() + 1,
                    fault.kind().description(), fault.changesBefore(), fault.healed().toMillis() / 1000.0,
                    fault.restarts()));
        }
        text.append("\n| sink | rows compared | lost | extra | applied twice | went back | dead-letter queue |\n")
                .append("|---|---:|---:|---:|---:|---:|---|\n");
        for (SinkCheck sink : sinks) {
            String queue = sink.rejectedRows() == null ? "none (accepts every value)"
                    : String.format(Locale.ROOT, "%d rejected (rows %s), parked rows %s, %d twice: %s",
                            sink.rejectedEntries(), new TreeSet<>(sink.rejectedRows()), new TreeSet<>(sink.parkedRows()),
                            sink.queuedTwice(), sink.queueHoldsExactlyThePoison() ? "exactly the poison" : "NOT the poison");
            text.append(String.format(Locale.ROOT, "| %s | %,d | %d | %d | %s | %d | %s |%n", sink.sink(), sink.rows(),
                    sink.lost(), sink.extra(), sink.appliedTwice() == null ? "(in went back)" : sink.appliedTwice(),
                    sink.regressions(), queue));
        }
        return text.toString();
    }
}
