package io.tidemark.pipeline.dlq;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where changes go that a sink cannot apply. Adding is idempotent per {@link DeadLetter#entryId()},
 * so the writes a restored job repeats never add an entry twice.
 */
public interface DeadLetterQueue extends AutoCloseable {

    /** Creates what the queue needs (a table, a topic) if it is missing. */
    void prepare() throws IOException;

    /** Adds entries; one already present (same entry id) is left as it is. */
    void add(List<DeadLetter> letters) throws IOException;

    /**
     * Rows of one sink with entries not yet replayed, each as {@code "<source table> <row key>"}:
     * their later changes are parked behind them.
     */
    Set<String> rowsWithPendingEntries(String pipeline, String sink) throws IOException;

    /** Entries matching a filter, ordered by source position. */
    List<StoredDeadLetter> list(String pipeline, DeadLetterFilter filter) throws IOException;

    /** Records that an entry was replayed, and with what result. */
    void markReplayed(long id, StoredDeadLetter.ReplayResult result) throws IOException;

    /** One entry by its id, whether replayed or not; empty if the queue has no such entry. */
    Optional<StoredDeadLetter> get(String pipeline, long id) throws IOException;

    /**
     * Records that a replay tried an entry and the sink still rejected it: the entry stays pending,
     * with the new error, one more attempt and this failure's time.
     */
    void recordReplayFailure(long id, String errorClass, String errorMessage, Instant at) throws IOException;

    /**
     * Pending and replayed entries of one sink per source table and error class. The default reads
     * the entries; a backend that can count where they are stored does so.
     */
    default List<DeadLetterTally> tally(String pipeline, String sink) throws IOException {
        Map<String, Map<String, long[]>> counts = new TreeMap<>(); // table -> error class -> {pending, replayed}
        for (StoredDeadLetter entry : list(pipeline, DeadLetterFilter.all().withSink(sink))) {
            DeadLetter letter = entry.letter();
            counts.computeIfAbsent(letter.event().table().toString(), t -> new TreeMap<>())
                    .computeIfAbsent(letter.errorClass(), e -> new long[2])[entry.replayedAt() == null ? 0 : 1]++;
        }
        List<DeadLetterTally> tallies = new ArrayList<>();
        counts.forEach((table, byError) -> byError.forEach(
                (errorClass, c) -> tallies.add(new DeadLetterTally(table, errorClass, c[0], c[1]))));
        return tallies;
    }

    /** Deletes the entries matching a filter; returns how many. */
    int purge(String pipeline, DeadLetterFilter filter) throws IOException;

    @Override
    void close() throws IOException;

    /** The key {@link #rowsWithPendingEntries} uses for a row. */
    static String rowOf(String sourceTable, String rowKey) {
        return sourceTable + " " + rowKey;
    }
}
