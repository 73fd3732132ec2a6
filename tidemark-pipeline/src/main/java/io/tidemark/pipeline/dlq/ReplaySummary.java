package io.tidemark.pipeline.dlq;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one replay of a sink's dead-letter queue did, entry by entry, so that an operator sees
 * which entries were applied, which the sink had already superseded, and which still wait.
 */
public record ReplaySummary(String sink, List<Entry> entries) {

    public ReplaySummary {
        entries = List.copyOf(entries);
    }

    /** What happened to one entry. */
    public enum Outcome {
        /** Applied through the sink's guarded path and marked replayed. */
        APPLIED,
        /** The sink already held the row (or its delete) at this position or later; marked replayed. */
        SKIPPED,
        /** The sink still rejects it: it stays pending with the new error and one more attempt. */
        REJECTED,
        /** Not tried: an earlier entry of its row is still pending, and a row's changes apply in order. */
        BLOCKED
    }

    /**
     * One entry's outcome; {@code detail} says why (the position the sink holds, the error, the
     * entry it waits behind).
     */
    public record Entry(long id, String sourceTable, String rowKey, long position, Outcome outcome, String detail) {}

    /** Counts of one source table. */
    public record Counts(int applied, int skipped, int stillRejected, int blocked) {
        Counts plus(Outcome outcome) {
            return new Counts(
                    applied + (outcome == Outcome.APPLIED ? 1 : 0),
                    skipped + (outcome == Outcome.SKIPPED ? 1 : 0),
                    stillRejected + (outcome == Outcome.REJECTED ? 1 : 0),
                    blocked + (outcome == Outcome.BLOCKED ? 1 : 0));
        }
    }

    /** Counts per source table, in the order the tables first appear. */
    public Map<String, Counts> byTable() {
        Map<String, Counts> byTable = new LinkedHashMap<>();
        for (Entry entry : entries) {
            byTable.merge(entry.sourceTable(), new Counts(0, 0, 0, 0).plus(entry.outcome()),
                    (a, b) -> a.plus(entry.outcome()));
        }
        return byTable;
    }

    public Counts total() {
        Counts total = new Counts(0, 0, 0, 0);
        for (Entry entry : entries) {
            total = total.plus(entry.outcome());
        }
        return total;
    }

    /** Whether every entry the replay looked at is now replayed (applied or skipped). */
    public boolean complete() {
        Counts total = total();
        return total.stillRejected() == 0 && total.blocked() == 0;
    }
}
