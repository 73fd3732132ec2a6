package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.RowValues;
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
import java.util.function.Function;

/**
 * What one writer does with changes its sink rejects: it sends them to the dead-letter queue, and,
 * with the {@code park} policy, sends the later changes of their rows after them, so that the
 * rows' changes are applied in order when the queue is replayed. Shared by a JDBC writer's flushers
 * and used by the Redis writer, so that both sinks queue, park and count rejections alike.
 */
public final class RejectedChanges {

    static final String PARKED_ERROR_CLASS = "parked";

    private final DeadLetterQueue queue;
    private final String pipeline;
    private final String sink;
    /** Where in the sink a change was going: the sink table for JDBC, the key for Redis. */
    private final Function<ChangeEvent, String> sinkTableOf;
    private final int maxAttempts;
    private final DeadLetterPolicy policy;
    private final Set<String> parkedRows = ConcurrentHashMap.newKeySet();
    private final MetricGroup metrics;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /** @param sinkTables source table to sink table, for the tables routed to the sink */
    public RejectedChanges(
            DeadLetterQueue queue,
            String pipeline,
            String sink,
            Map<TableId, TableId> sinkTables,
            int maxAttempts,
            DeadLetterPolicy policy,
            MetricGroup metrics)
            throws IOException {
        this(queue, pipeline, sink, change -> sinkTables.getOrDefault(change.table(), change.table()).toString(),
                maxAttempts, policy, metrics);
    }

    /** @param sinkTableOf where in the sink a change goes, as its entries' sink table shows it */
    public RejectedChanges(
            DeadLetterQueue queue,
            String pipeline,
            String sink,
            Function<ChangeEvent, String> sinkTableOf,
            int maxAttempts,
            DeadLetterPolicy policy,
            MetricGroup metrics)
            throws IOException {
        this.queue = queue;
        this.pipeline = pipeline;
        this.sink = sink;
        this.sinkTableOf = sinkTableOf;
        this.maxAttempts = maxAttempts;
        this.policy = policy;
        this.metrics = metrics;
        if (policy == DeadLetterPolicy.PARK) {
            parkedRows.addAll(queue.rowsWithPendingEntries(pipeline, sink));
        }
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Reads the parked rows again from the queue, so that rows whose entries were replayed (with
     * {@code tidemark dlq replay}) or purged take changes again. Called before a batch that touches
     * a parked row is split, so it costs one query per such batch only.
     */
    public synchronized void refresh() throws IOException {
        if (policy != DeadLetterPolicy.PARK || parkedRows.isEmpty()) {
            return;
        }
        parkedRows.retainAll(queue.rowsWithPendingEntries(pipeline, sink));
    }

    /** Whether any row waits behind a queued change; batches skip the per-change check when none does. */
    public boolean hasParkedRows() {
        return !parkedRows.isEmpty();
    }

    /** Whether the row of a change waits behind a queued change. */
    public boolean isParked(ChangeEvent change) {
        return !parkedRows.isEmpty() && parkedRows.contains(row(change));
    }

    /** Queues changes of parked rows behind their rows' rejected change, without trying them. */
    public synchronized void park(List<ChangeEvent> changes) throws IOException {
        Instant now = Instant.now();
        queue.add(changes.stream()
                .map(change -> letter(change, DeadLetterKind.PARKED, PARKED_ERROR_CLASS,
                        "waits behind an earlier rejected change of this row", 1, now, now))
                .toList());
        changes.forEach(change -> count(change, PARKED_ERROR_CLASS));
    }

    /** Queues a change a JDBC sink rejected, with the error's SQLSTATE as its class. */
    public void reject(ChangeEvent change, SQLException error, int attempts, Instant firstFailure)
            throws IOException {
        reject(change, errorClass(error), message(error), attempts, firstFailure);
    }

    /**
     * Queues a change the sink rejected {@code attempts} times, the first at {@code firstFailure};
     * with the {@code park} policy its row's later changes follow it into the queue.
     */
    public synchronized void reject(ChangeEvent change, String errorClass, String message, int attempts,
            Instant firstFailure) throws IOException {
        queue.add(List.of(letter(change, DeadLetterKind.REJECTED, errorClass, message, attempts,
                firstFailure, Instant.now())));
        if (policy == DeadLetterPolicy.PARK) {
            parkedRows.add(row(change));
        }
        count(change, errorClass);
    }

    public void close() throws IOException {
        queue.close();
    }

    private DeadLetter letter(ChangeEvent change, DeadLetterKind kind, String errorClass, String message,
            int attempts, Instant first, Instant last) {
        return new DeadLetter(pipeline, sink, sinkTableOf.apply(change), change, kind, errorClass, message, attempts,
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
        return DeadLetterQueue.rowOf(change.table().toString(), RowValues.keyString(change.keyValues()));
    }

    /** The SQLSTATE where the driver gives one (such as 22001 or 23505), else the exception's type. */
    public static String errorClass(SQLException error) {
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
    public static String message(SQLException error) {
        SQLException cause = error;
        while (cause.getNextException() != null && cause.getNextException().getMessage() != null) {
            cause = cause.getNextException();
        }
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        return message.strip();
    }
}
