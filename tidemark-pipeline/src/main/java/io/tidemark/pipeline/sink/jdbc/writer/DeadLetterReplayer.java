package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Replays the pending dead-letter entries of one JDBC sink through the sink's own guarded write
 * path ({@link BatchApplier}), so that a replay has the live path's exactly-once effect.
 *
 * <p>Entries are replayed in source-position order. An entry whose row the sink already holds (or
 * whose row's tombstone it holds) at the entry's position or later is marked SKIPPED without a
 * write; any other is applied and marked APPLIED. The check and the write are one transaction,
 * and the write is position-guarded, so a replay interrupted between applying an entry and marking
 * it is harmless: the rerun finds the row at the entry's position and marks it SKIPPED. An entry
 * the sink still rejects stays pending (its error and attempt count updated), and the later entries
 * of its row wait behind it, as do entries whose row has an earlier pending entry outside the
 * filter: a row's changes are only ever applied in order. A transient error that outlasts the
 * sink's retries ends the replay with an exception; every entry not yet marked stays pending.
 */
public final class DeadLetterReplayer implements AutoCloseable {

    /** Hears each entry's outcome once it is recorded; may stop the replay by throwing. */
    @FunctionalInterface
    public interface Listener {
        void replayed(ReplaySummary.Entry entry) throws InterruptedException;
    }

    private final String pipeline;
    private final String sink;
    private final DeadLetterQueue queue;
    private final BatchApplier applier;

    public DeadLetterReplayer(
            String pipeline,
            JdbcSinkDef sink,
            Map<TableId, TableId> sinkTables,
            DeadLetterQueueDef deadLetters,
            DeadLetterQueue queue) {
        this.pipeline = pipeline;
        this.sink = sink.name();
        this.queue = queue;
        this.applier = new BatchApplier(JdbcConnectionFactory.of(sink), SinkDialect.forUrl(sink.url()),
                Map.copyOf(sinkTables), pipeline, sink.name() + "-replay", sink.maxRetries(),
                Set.copyOf(deadLetters.transientErrors()), null);
        // every replayed change is a possible replay: always check tombstones, as after a restore
        this.applier.setRecoveryHorizon(Long.MAX_VALUE);
    }

    /** The replayer of one JDBC sink of a pipeline, with the routes and queue its file configures. */
    public static DeadLetterReplayer of(PipelineDef def, JdbcSinkDef sink) {
        DeadLetterQueues.Opener opener = DeadLetterQueues.forJdbcSink(def.deadLetterQueue(), sink)
                .orElseThrow(() -> new IllegalArgumentException(
                        "pipeline " + def.name() + " has no dead-letter queue (dead-letter-queue.type: none)"));
        return new DeadLetterReplayer(def.name(), sink, routes(def, sink.name()), def.deadLetterQueue(), opener.open());
    }

    /** Source table to sink table for the routes to one sink. */
    public static Map<TableId, TableId> routes(PipelineDef def, String sinkName) {
        Map<TableId, TableId> routes = new LinkedHashMap<>();
        for (RouteDef route : def.routes()) {
            if (route.sink().equals(sinkName)) {
                routes.put(TableId.parse(route.sourceTable()), TableId.parse(route.sinkTable()));
            }
        }
        return routes;
    }

    public ReplaySummary replay(DeadLetterFilter filter) throws IOException, InterruptedException {
        return replay(filter, entry -> {});
    }

    /** Replays this sink's pending entries that match {@code filter}; see the class comment. */
    public ReplaySummary replay(DeadLetterFilter filter, Listener listener) throws IOException, InterruptedException {
        List<StoredDeadLetter> selected = queue.list(pipeline, filter.withSink(sink).withReplayed(false));
        Set<Long> selectedIds = new HashSet<>();
        selected.forEach(entry -> selectedIds.add(entry.id()));
        // rows with an earlier pending entry the filter left out wait behind that entry
        Map<String, StoredDeadLetter> firstUnselected = new HashMap<>();
        for (StoredDeadLetter entry : queue.list(pipeline, DeadLetterFilter.pending().withSink(sink))) {
            if (!selectedIds.contains(entry.id())) {
                firstUnselected.putIfAbsent(row(entry.letter()), entry);
            }
        }
        Map<String, Long> blockedBehind = new HashMap<>();
        List<ReplaySummary.Entry> outcomes = new ArrayList<>();
        for (StoredDeadLetter entry : selected) {
            if (Thread.interrupted()) {
                throw new InterruptedException("replay interrupted; entries not yet replayed stay pending");
            }
            ReplaySummary.Entry outcome = replayOne(entry, blockedBehind, firstUnselected.get(row(entry.letter())));
            outcomes.add(outcome);
            listener.replayed(outcome);
        }
        return new ReplaySummary(sink, outcomes);
    }

    private ReplaySummary.Entry replayOne(
            StoredDeadLetter entry, Map<String, Long> blockedBehind, StoredDeadLetter earlierUnselected)
            throws IOException {
        DeadLetter letter = entry.letter();
        String row = row(letter);
        Long blocker = blockedBehind.get(row);
        if (blocker == null && earlierUnselected != null && isBefore(earlierUnselected, entry)) {
            blocker = earlierUnselected.id();
        }
        if (blocker != null) {
            blockedBehind.putIfAbsent(row, blocker);
            return outcome(entry, ReplaySummary.Outcome.BLOCKED, "waits behind entry " + blocker + " of its row");
        }
        try {
            OptionalLong held = applier.replay(letter.event());
            if (held.isPresent()) {
                queue.markReplayed(entry.id(), StoredDeadLetter.ReplayResult.SKIPPED);
                return outcome(entry, ReplaySummary.Outcome.SKIPPED, "sink holds the row at position " + held.getAsLong());
            }
            queue.markReplayed(entry.id(), StoredDeadLetter.ReplayResult.APPLIED);
            return outcome(entry, ReplaySummary.Outcome.APPLIED, "");
        } catch (SQLException e) {
            if (applier.isTransient(e)) {
                throw new IOException("sink " + sink + ": " + RejectedChanges.message(e)
                        + " (a transient error; nothing was lost, run the replay again)", e);
            }
            String errorClass = RejectedChanges.errorClass(e);
            String message = RejectedChanges.message(e);
            queue.recordReplayFailure(entry.id(), errorClass, message, Instant.now());
            blockedBehind.put(row, entry.id());
            return outcome(entry, ReplaySummary.Outcome.REJECTED, errorClass + ": " + message);
        }
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

    @Override
    public void close() throws IOException {
        applier.close();
        queue.close();
    }
}
