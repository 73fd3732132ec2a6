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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What one writer does with changes its sink rejects: it sends them to the dead-letter queue, and,
 * with the {@code park} policy, sends the later changes of their rows after them, so that the
 * rows' changes are applied in order when the queue is replayed. Parked changes whose row no longer
 * waits behind a rejection (a replay cleared it while the job was parking) are handed back to the
 * writer to apply ({@link #releasable()}); with {@code continue}, entries that a later change of
 * their row has made obsolete are marked so ({@link #supersede}), so that no replay can bring back
 * what the later change replaced, even after its tombstone expired. Shared by a JDBC writer's flushers
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
    /** Rows with pending entries: with park their later changes wait, with continue they may make them obsolete. */
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
        parkedRows.addAll(queue.rowsWithPendingEntries(pipeline, sink));
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
        if (parkedRows.isEmpty()) {
            return;
        }
        parkedRows.retainAll(queue.rowsWithPendingEntries(pipeline, sink));
    }

    /**
     * The parked entries whose row waits behind no pending rejection any more, in source order:
     * the writer applies them (through its guarded path) and reports each with {@link #released}.
     * A replay that ran while the job parked changes leaves such entries; nothing else would.
     */
    public synchronized List<StoredDeadLetter> releasable() throws IOException {
        if (policy != DeadLetterPolicy.PARK || parkedRows.isEmpty()) {
            return List.of();
        }
        List<StoredDeadLetter> pending = queue.list(pipeline, DeadLetterFilter.pending().withSink(sink));
        Set<String> blocked = new HashSet<>();
        for (StoredDeadLetter entry : pending) {
            if (entry.letter().kind() == DeadLetterKind.REJECTED) {
                blocked.add(DeadLetterQueue.rowOf(entry.letter().event().table().toString(), entry.letter().rowKey()));
            }
        }
        List<StoredDeadLetter> releasable = new ArrayList<>();
        for (StoredDeadLetter entry : pending) {
            String row = DeadLetterQueue.rowOf(entry.letter().event().table().toString(), entry.letter().rowKey());
            if (!blocked.contains(row)) {
                releasable.add(entry);
            }
        }
        return releasable;
    }

    /**
     * Applies the {@link #releasable()} entries through {@code target} (the writer's guarded path,
     * as a replay would) and marks them replayed; an entry the sink now refuses becomes its row's
     * rejection, and the row's later entries stay parked behind it.
     */
    public void release(DeadLetterReplay.Target target) throws IOException, InterruptedException {
        if (!hasParkedRows()) {
            return;
        }
        Set<String> stopped = new HashSet<>();
        for (StoredDeadLetter entry : releasable()) {
            ChangeEvent change = entry.letter().event();
            String row = row(change);
            if (stopped.contains(row)) {
                continue;
            }
            DeadLetterReplay.Result result = target.apply(entry.letter());
            if (result instanceof DeadLetterReplay.Result.Rejected refused) {
                stopped.add(row);
                reject(change, refused.errorClass(), refused.message(), 1, Instant.now());
            } else {
                queue.markReplayed(entry.id(), result instanceof DeadLetterReplay.Result.Applied
                        ? StoredDeadLetter.ReplayResult.APPLIED : StoredDeadLetter.ReplayResult.SKIPPED);
            }
        }
        refresh();
    }

    /** Whether any row has pending entries that a later applied change could make obsolete (policy continue). */
    public boolean hasRowsToSupersede() {
        return policy == DeadLetterPolicy.CONTINUE && !parkedRows.isEmpty();
    }

    /**
     * With {@code continue}: the sink applied {@code applied}; each pending entry of their rows at
     * an older position is obsolete and is marked SKIPPED, so a replay cannot write it over the
     * newer change (a tombstone that would stop it expires, this mark does not).
     */
    public synchronized void supersede(List<ChangeEvent> applied) throws IOException {
        if (!hasRowsToSupersede()) {
            return;
        }
        for (ChangeEvent change : applied) {
            String row = row(change);
            if (!parkedRows.contains(row)) {
                continue;
            }
            DeadLetterFilter ofRow = new DeadLetterFilter(Optional.of(sink), Optional.of(change.table().toString()),
                    Optional.of(RowValues.keyString(change.keyValues())), Optional.empty(), Optional.empty(),
                    Optional.empty(), false);
            boolean left = false;
            for (StoredDeadLetter entry : queue.list(pipeline, ofRow)) {
                if (entry.letter().event().position().value() < change.position().value()) {
                    queue.markReplayed(entry.id(), StoredDeadLetter.ReplayResult.SKIPPED);
                } else {
                    left = true;
                }
            }
            if (!left) {
                parkedRows.remove(row);
            }
        }
    }

    /** Whether any row waits behind a queued change; batches skip the per-change check when none does. */
    public boolean hasParkedRows() {
        return policy == DeadLetterPolicy.PARK && !parkedRows.isEmpty();
    }

    /** Whether the row of a change waits behind a queued change. */
    public boolean isParked(ChangeEvent change) {
        return hasParkedRows() && parkedRows.contains(row(change));
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
        parkedRows.add(row(change));
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
                        .addGroup("sink", sink)
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
