package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterKind;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one writer does with changes its sink rejects: it sends them to the dead-letter queue, and,
 * with the {@code park} policy, sends the later changes of their rows after them, so that the
 * rows' changes are applied in order when the queue is replayed. Shared by the writer's flushers.
 */
final class RejectedChanges {

    static final String PARKED_ERROR_CLASS = "parked";

    private final DeadLetterQueue queue;
    private final String pipeline;
    private final String sink;
    private final Map<TableId, TableId> sinkTables;
    private final int maxAttempts;
    private final DeadLetterPolicy policy;
    private final Set<String> parkedRows = ConcurrentHashMap.newKeySet();
    private final MetricGroup metrics;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    RejectedChanges(
            DeadLetterQueue queue,
            String pipeline,
            String sink,
            Map<TableId, TableId> sinkTables,
            int maxAttempts,
            DeadLetterPolicy policy,
            MetricGroup metrics)
            throws IOException {
        this.queue = queue;
        this.pipeline = pipeline;
        this.sink = sink;
        this.sinkTables = sinkTables;
        this.maxAttempts = maxAttempts;
        this.policy = policy;
        this.metrics = metrics;
        if (policy == DeadLetterPolicy.PARK) {
            parkedRows.addAll(queue.rowsWithPendingEntries(pipeline, sink));
        }
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Reads the parked rows again from the queue, so that rows whose entries were replayed (with
     * {@code tidemark dlq replay}) or purged take changes again. Called before a batch that touches
     * a parked row is split, so it costs one query per such batch only.
     */
    synchronized void refresh() throws IOException {
        if (policy != DeadLetterPolicy.PARK || parkedRows.isEmpty()) {
            return;
        }
        parkedRows.retainAll(queue.rowsWithPendingEntries(pipeline, sink));
    }

    /** Whether any row waits behind a queued change; batches skip the per-change check when none does. */
    boolean hasParkedRows() {
        return !parkedRows.isEmpty();
    }

    /** Whether the row of a change waits behind a queued change. */
    boolean isParked(ChangeEvent change) {
        return !parkedRows.isEmpty() && parkedRows.contains(row(change));
    }

    synchronized void park(List<ChangeEvent> changes) throws IOException {
        Instant now = Instant.now();
        queue.add(changes.stream()
                .map(change -> letter(change, DeadLetterKind.PARKED, PARKED_ERROR_CLASS,
                        "waits behind an earlier rejected change of this row", 1, now, now))
                .toList());
        changes.forEach(change -> count(change, PARKED_ERROR_CLASS));
    }

    synchronized void reject(ChangeEvent change, SQLException error, int attempts, Instant firstFailure)
            throws IOException {
        String errorClass = errorClass(error);
        queue.add(List.of(letter(change, DeadLetterKind.REJECTED, errorClass, message(error), attempts,
                firstFailure, Instant.now())));
        if (policy == DeadLetterPolicy.PARK) {
            parkedRows.add(row(change));
        }
        count(change, errorClass);
    }

    void close() throws IOException {
        queue.close();
    }

    private DeadLetter letter(ChangeEvent change, DeadLetterKind kind, String errorClass, String message,
            int attempts, Instant first, Instant last) {
        TableId sinkTable = sinkTables.getOrDefault(change.table(), change.table());
        return new DeadLetter(pipeline, sink, sinkTable.toString(), change, kind, errorClass, message, attempts,
                first, last);
    }

    private void count(ChangeEvent change, String errorClass) {
        counters.computeIfAbsent(change.table() + " " + errorClass, k -> metrics
                        .addGroup("table", change.table().toString())
                        .addGroup("error_class", errorClass)
                        .counter("tidemarkDeadLetters"))
                .inc();
    }

    private static String row(ChangeEvent change) {
        return DeadLetterQueue.rowOf(change.table().toString(),
                io.tidemark.pipeline.event.RowValues.keyString(change.keyValues()));
    }

    /** The SQLSTATE where the driver gives one (such as 22001 or 23505), else the exception's type. */
    static String errorClass(SQLException error) {
        for (SQLException e = error; e != null; e = e.getNextException()) {
            String state = e.getSQLState();
            if (state != null && !state.isBlank()) {
                return state;
            }
        }
        return error.getClass().getSimpleName();
    }

    /**
     * The server's own words: a batch error's message is the driver's summary (with the whole
     * statement), so the message of the error it chains, where there is one, is the one kept.
     */
    static String message(SQLException error) {
        SQLException cause = error;
        while (cause.getNextException() != null && cause.getNextException().getMessage() != null) {
            cause = cause.getNextException();
        }
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        return message.strip();
    }
}
