package io.tidemark.pipeline.dlq;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order and bookkeeping of replaying one sink's dead-letter queue, apart from how a sink applies
 * one entry ({@link Target}), so that every sink replays alike: entries in source-position order;
 * an entry the sink already holds at its position or later marked SKIPPED, any other applied and
 * marked APPLIED; an entry still rejected left pending with one more attempt, with the later
 * entries of its row (and those behind an earlier pending entry the filter left out) waiting
 * behind it, because a row's changes are only ever applied in order. A transient error ends the
 * replay with an exception; every entry not yet marked stays pending. Since the target's write is
 * position-guarded, a replay stopped between applying an entry and marking it is harmless: the
 * rerun finds the entry's position in the sink and marks it SKIPPED.
 *
 * <p>A job that runs meanwhile may park more changes behind the entries being replayed: after the
 * selected entries, the replay lists the queue again and replays what was added, until a listing
 * brings nothing new, so an entry parked during the run is replayed in it. One parked after the
 * last listing (the job decided to park before the replay had cleared its row) is applied by the
 * job itself once it sees that its row waits behind nothing ({@code RejectedChanges#releasable}).
 *
 * <p>Used by the JDBC and the Redis sinks' replayers.
 */
public final class DeadLetterReplay {

    /** How a sink applies one entry through its guarded write path. */
    @FunctionalInterface
    public interface Target {
        /**
         * Applies the entry's change unless the sink already holds its row (or the row's delete) at
         * the change's position or later; throws {@link IOException} on a transient error.
         */
        Result apply(DeadLetter letter) throws IOException, InterruptedException;
    }

    /** What one entry's application did. */
    public sealed interface Result {
        /** Written to the sink. */
        record Applied() implements Result {}

        /** Not written: the sink holds the row at this position or later ({@code detail} says how). */
        record Skipped(String detail) implements Result {}

        /** The sink still rejects the change. */
        record Rejected(String errorClass, String message) implements Result {}
    }

    /** Hears each entry's outcome once it is recorded; may stop the replay by throwing. */
    @FunctionalInterface
    public interface Listener {
        void replayed(ReplaySummary.Entry entry) throws InterruptedException;
    }

    /** Listings after the first: a job parking faster than the replay clears would keep it busy forever. */
    private static final int MAX_ROUNDS = 10;

    private final String pipeline;
    private final String sink;
    private final DeadLetterQueue queue;
    private final Target target;

    public DeadLetterReplay(String pipeline, String sink, DeadLetterQueue queue, Target target) {
        this.pipeline = pipeline;
        this.sink = sink;
        this.queue = queue;
        this.target = target;
    }

    /** Replays the sink's pending entries that match {@code filter}; see the class comment. */
    public ReplaySummary replay(DeadLetterFilter filter, Listener listener) throws IOException, InterruptedException {
        List<StoredDeadLetter> selected = queue.list(pipeline, filter.withSink(sink).withReplayed(false));
        Set<Long> selectedIds = new HashSet<>();
        selected.forEach(entry -> selectedIds.add(entry.id()));
        Map<String, StoredDeadLetter> firstUnselected = new HashMap<>();
        for (StoredDeadLetter entry : queue.list(pipeline, DeadLetterFilter.pending().withSink(sink))) {
            if (!selectedIds.contains(entry.id())) {
                firstUnselected.putIfAbsent(row(entry.letter()), entry);
            }
        }
        Map<String, Long> blockedBehind = new HashMap<>();
        List<ReplaySummary.Entry> outcomes = new ArrayList<>();
        Set<Long> seen = new HashSet<>(selectedIds);
        for (int round = 0; !selected.isEmpty() && round < MAX_ROUNDS; round++) {
            for (StoredDeadLetter entry : selected) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("replay interrupted; entries not yet replayed stay pending");
                }
                ReplaySummary.Entry outcome = replayOne(entry, blockedBehind, firstUnselected.get(row(entry.letter())));
                outcomes.add(outcome);
                listener.replayed(outcome);
            }
            // what a running job parked behind the rows meanwhile
            selected = queue.list(pipeline, filter.withSink(sink).withReplayed(false)).stream()
                    .filter(entry -> seen.add(entry.id()))
                    .toList();
        }
        return new ReplaySummary(sink, outcomes);
    }

    private ReplaySummary.Entry replayOne(
            StoredDeadLetter entry, Map<String, Long> blockedBehind, StoredDeadLetter earlierUnselected)
            throws IOException, InterruptedException {
        String row = row(entry.letter());
        Long blocker = blockedBehind.get(row);
        if (blocker == null && earlierUnselected != null && isBefore(earlierUnselected, entry)) {
            blocker = earlierUnselected.id();
        }
        if (blocker != null) {
            blockedBehind.putIfAbsent(row, blocker);
            return outcome(entry, ReplaySummary.Outcome.BLOCKED, "waits behind entry " + blocker + " of its row");
        }
        Result result = target.apply(entry.letter());
        if (result instanceof Result.Applied) {
            queue.markReplayed(entry.id(), StoredDeadLetter.ReplayResult.APPLIED);
            return outcome(entry, ReplaySummary.Outcome.APPLIED, "");
        }
        if (result instanceof Result.Skipped skipped) {
            queue.markReplayed(entry.id(), StoredDeadLetter.ReplayResult.SKIPPED);
            return outcome(entry, ReplaySummary.Outcome.SKIPPED, skipped.detail());
        }
        Result.Rejected rejected = (Result.Rejected) result;
        queue.recordReplayFailure(entry.id(), rejected.errorClass(), rejected.message(), Instant.now());
        blockedBehind.put(row, entry.id());
        return outcome(entry, ReplaySummary.Outcome.REJECTED, rejected.errorClass() + ": " + rejected.message());
    }

    private static boolean isBefore(StoredDeadLetter a, StoredDeadLetter b) {
        long pa = a.letter().event().position().value();
        long pb = b.letter().event().position().value();
        return pa < pb || (pa == pb && a.id() < b.id());
    }

    private static ReplaySummary.Entry outcome(StoredDeadLetter entry, ReplaySummary.Outcome outcome, String detail) {
        DeadLetter letter = entry.letter();
        return new ReplaySummary.Entry(entry.id(), letter.event().table().toString(), letter.rowKey(),
                letter.event().position().value(), outcome, detail);
    }

    private static String row(DeadLetter letter) {
        return DeadLetterQueue.rowOf(letter.event().table().toString(), letter.rowKey());
    }
}
