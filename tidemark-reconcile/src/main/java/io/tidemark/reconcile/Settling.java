package io.tidemark.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-reads the keys that looked different on both sides until they are equal or a deadline passes,
 * so that a running job's changes still in flight (committed in the source, not yet applied to the
 * sink) are not reported: a key is reported only if it stayed different for the whole settle time.
 * The first round runs at once and also removes keys whose digests differ for a value that is the
 * same (a float written with other digits by another database).
 */
final class Settling {

    /** What both sides hold for a set of keys, each row as canonical text in column order. */
    interface RowReader {
        Map<List<String>, List<String>> rows(List<Candidate> keys) throws Exception;
    }

    /** Keys still different at the deadline, and how many were different at first and then became equal. */
    record Outcome(List<KeyDifference> differences, int settled) {}

    private final RowReader source;
    private final RowReader sink;
    private final RowComparison comparison;
    private final KeyNames keyNames;
    private final Duration timeout;
    private final Duration interval;

    /** Turns a key into the text a report shows. */
    interface KeyNames {
        String describe(List<String> key);
    }

    Settling(RowReader source, RowReader sink, RowComparison comparison, KeyNames keyNames, Duration timeout,
            Duration interval) {
        this.source = source;
        this.sink = sink;
        this.comparison = comparison;
        this.keyNames = keyNames;
        this.timeout = timeout;
        this.interval = interval;
    }

    Outcome settle(List<Candidate> candidates) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<List<String>, Candidate> open = new LinkedHashMap<>();
        candidates.forEach(c -> open.put(c.key(), c));
        Map<List<String>, KeyDifference> differences = round(open);
        int firstRound = differences.size();
        while (!differences.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(Math.min(interval.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            open.keySet().retainAll(differences.keySet());
            differences = round(open);
        }
        return new Outcome(new ArrayList<>(differences.values()), firstRound - differences.size());
    }

    private Map<List<String>, KeyDifference> round(Map<List<String>, Candidate> open) throws Exception {
        List<Candidate> keys = new ArrayList<>(open.values());
        Map<List<String>, List<String>> sourceRows = source.rows(keys);
        Map<List<String>, List<String>> sinkRows = sink.rows(keys);
        Map<List<String>, KeyDifference> differences = new LinkedHashMap<>();
        for (Candidate candidate : keys) {
            KeyDifference difference = comparison.difference(keyNames.describe(candidate.key()),
                    sourceRows.get(candidate.key()), sinkRows.get(candidate.key()));
            if (difference != null) {
                differences.put(candidate.key(), difference);
            }
        }
        return differences;
    }
}
