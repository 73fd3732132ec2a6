package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.dlq.DeadLetterGauges;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.metrics.SinkMetrics;
import io.tidemark.pipeline.sink.HeldChanges;
import io.tidemark.pipeline.sink.WriterOnlySink;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Buffers change events, compacts them per row and hands batches to background flushers, one
 * connection each, so that the task thread keeps decoding while the database writes.
 *
 * <p>Rows are partitioned over flushers by key hash, so each row's changes are applied in order by
 * one flusher. {@link #flush(boolean)} (called before every checkpoint barrier goes downstream)
 * waits until everything received so far is committed: a completed checkpoint therefore never
 * covers a change that the sink has not applied, which gives at-least-once delivery; the position
 * guard in every statement turns that into an exactly-once effect.
 *
 * <p>In source order (one writer subtask, one flusher, no compaction) the writer also keeps source
 * transactions whole: the changes of a transaction whose COMMIT has not arrived stay in an {@link
 * OpenTransaction}, out of the batches and so out of every sink commit, and go into the checkpoint
 * instead; a COMMIT releases them into the next batch all at once.
 */
public final class JdbcChangeWriter implements WriterOnlySink.HoldingWriter {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcChangeWriter.class);

    private static final Duration TOMBSTONE_EXPIRY_EVERY = Duration.ofMinutes(10);

    private final int batchSize;
    private final long flushIntervalMillis;
    private final ProcessingTimeService timeService;
    private final BatchFlusher[] flushers;
    private final ChangeBatch[] pending;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Object idle = new Object();
    private final Counter changesWritten;
    private final Counter truncatesApplied;
    private final Counter transactionsSplit;
    private final String sinkName;
    private final int subtask;
    private final int subtasks;
    private final TableTruncations truncations;
    private final ChunkSweeper sweeper;
    /** In source order, the source transaction being received; null in keyed order. */
    private final OpenTransaction open;
    private long epoch;
    /** Null without a dead-letter queue. */
    private RejectedChanges rejected;
    private DeadLetterGauges deadLetterGauges;
    /** Subtask 0's; null elsewhere. */
    private TombstoneExpiry tombstoneExpiry;
    private int pendingCount;
    private int inFlight; // guarded by idle
    private volatile boolean closed;

    public JdbcChangeWriter(
            JdbcConnectionFactory connections,
            SinkDialect dialect,
            Map<TableId, TableId> sinkTables,
            String pipeline,
            String sinkName,
            int subtask,
            int subtasks,
            String attempt,
            int batchSize,
            Duration flushInterval,
            int flushThreads,
            boolean inSourceOrder,
            Duration tombstoneRetention,
            int maxRetries,
            DeadLetterQueueDef deadLetters,
            DeadLetterQueues.Opener deadLetterQueue,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics)
            throws IOException {
        this.batchSize = batchSize;
        this.flushIntervalMillis = flushInterval.toMillis();
        this.timeService = timeService;
        this.changesWritten = metrics.counter("tidemarkChangesWritten", new ThreadSafeSimpleCounter());
        this.truncatesApplied = metrics.counter("tidemarkTruncatesApplied");
        this.transactionsSplit = metrics.counter("tidemarkSourceTransactionsSplit");
        this.open = inSourceOrder ? new OpenTransaction(OpenTransaction.DEFAULT_LIMIT) : null;
        this.sinkName = sinkName;
        this.subtask = subtask;
        this.subtasks = subtasks;
        this.truncations = new TableTruncations(dialect, sinkTables, pipeline, sinkName);
        this.sweeper = new ChunkSweeper(dialect, sinkTables, pipeline, sinkName,
                metrics.counter("tidemarkSnapshotRowsSwept"));
        Counter retries = metrics.counter("tidemarkRetries", new ThreadSafeSimpleCounter());
        SinkMetrics sinkMetrics = new SinkMetrics(metrics, sinkName);
        sinkMetrics.retriesGauge(retries::getCount);
        sinkTables.keySet().forEach(sinkMetrics::register);
        this.flushers = new BatchFlusher[flushThreads];
        this.pending = new ChangeBatch[flushThreads];
        long horizon;
        try {
            if (deadLetterQueue != null) {
                rejected = new RejectedChanges(deadLetterQueue.open(), pipeline, sinkName, sinkTables,
                        deadLetters.maxAttempts(), deadLetters.afterRejection(), metrics);
                if (subtask == 0) {
                    deadLetterGauges = new DeadLetterGauges(deadLetterQueue.open(), pipeline, sinkName, metrics);
                }
            }
            Set<String> transientCodes = Set.copyOf(deadLetters.transientErrors());
            for (int i = 0; i < flushThreads; i++) {
                BatchApplier applier = new BatchApplier(
                        connections, dialect, sinkTables, pipeline,
                        sinkName + "-" + subtask + "-" + i, maxRetries, transientCodes, rejected);
                applier.countRetriesIn(retries);
                applier.reportTo(sinkMetrics);
                flushers[i] = new BatchFlusher(applier, "tidemark-jdbc-flusher-" + sinkName + "-" + subtask + "-" + i,
                        i == 0, flusherListener());
                pending[i] = inSourceOrder ? ChangeBatch.ordered() : new ChangeBatch();
            }
            // take the sink over from older attempts first: their writes can no longer commit after this
            WriterFence fence = new WriterFence(dialect, pipeline, sinkName);
            epoch = flushers[0].applier.joinFence(fence, attempt);
            horizon = flushers[0].applier.open();
            flushers[0].applier.inTransaction("read truncation marks", c -> {
                truncations.load(c);
                return null;
            });
            for (BatchFlusher flusher : flushers) {
                flusher.applier.fencedBy(fence, epoch);
                flusher.applier.setRecoveryHorizon(horizon);
            }
            if (inSourceOrder) {
                flushers[0].applier.deferWhileCatchingUp(new DeferredChanges(dialect, pipeline, sinkName));
            }
        } catch (SQLException | IOException e) {
            closeFlushers();
            throw new IOException("sink " + sinkName + ": cannot connect: " + e.getMessage(), e);
        }
        metrics.gauge("tidemarkRecoveryHorizon", () -> horizon);
        if (open != null) {
            metrics.gauge("tidemarkHeldChanges", open::size);
        }
        LOG.info("JDBC writer {} subtask {} (attempt {}) started with recovery horizon {}", sinkName, subtask, attempt,
                horizon);
        if (deadLetterGauges != null) {
            deadLetterGauges.start(DeadLetterGauges.REFRESH_EVERY);
        }
        if (subtask == 0) {
            tombstoneExpiry = new TombstoneExpiry(connections, dialect, tombstoneRetention,
                    "tidemark-tombstone-expiry-" + sinkName);
            tombstoneExpiry.start(TOMBSTONE_EXPIRY_EVERY);
        }
        for (BatchFlusher flusher : flushers) {
            flusher.start();
        }
        scheduleFlush();
    }

    @Override
    public void write(ChangeEvent event, Context context) throws IOException, InterruptedException {
        checkFailure();
        switch (event.operation()) {
            case COMMIT -> {
                if (open != null && !open.isEmpty()) {
                    addPending(open.commit());
                }
                return;
            }
            case TRUNCATE -> {
                if (open != null && !open.isEmpty()) {
                    releasePart("it truncates " + event.table()); // the truncate protocol commits what came before
                }
                truncate(event);
                return;
            }
            case SWEEP -> {
                sweep(event);
                return;
            }
            default -> {}
        }
        if (truncations.supersedes(event)) {
            return; // from before a truncate this sink has applied: a replay
        }
        if (open != null && event.operation() != ChangeOperation.SNAPSHOT) {
            open.add(event);
            if (open.isFull()) {
                releasePart("it reached " + open.size() + " changes");
            }
            return;
        }
        addPending(List.of(event));
    }

    /** Adds changes to the next batches, all of them before a batch is handed to a flusher. */
    private void addPending(List<ChangeEvent> events) throws IOException, InterruptedException {
        for (ChangeEvent event : events) {
            pending[Math.floorMod(event.keyHash(), flushers.length)].add(event);
        }
        pendingCount += events.size();
        if (pendingCount >= batchSize) {
            submitPending();
        }
    }

    /** Lets go of an open transaction before its end, which a sink commit then shows in part. */
    private void releasePart(String why) throws IOException, InterruptedException {
        if (!open.isPartlyReleased()) {
            transactionsSplit.inc();
            LOG.warn("Sink {}: a source transaction is applied in more than one sink transaction because {}",
                    sinkName, why);
        }
        addPending(open.releasePart());
    }

    /** In source order, the changes of the source transaction not ended yet; they are applied after the restore. */
    @Override
    public List<HeldChanges> snapshotState(long checkpointId) {
        return open == null || open.isEmpty() ? List.of() : List.of(open.held());
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        if (endOfInput && open != null && !open.isEmpty()) {
            addPending(open.commit()); // a bounded source ended: nothing more of it will come
        }
        submitPending();
        synchronized (idle) {
            while (inFlight > 0 && failure.get() == null) {
                idle.wait(100);
            }
        }
        checkFailure();
    }

    /**
     * Commits everything received before the truncate, then reports this subtask's arrival at it;
     * the last subtask to arrive empties the table (see {@link TableTruncations}).
     */
    private void truncate(ChangeEvent truncate) throws IOException, InterruptedException {
        requireCopies(truncate.truncateCopies(), "a truncate of " + truncate.table());
        flush(false);
        TableTruncations.Outcome outcome;
        try {
            outcome = flushers[0].applier.inTransaction("apply a truncate",
                    c -> truncations.arrive(c, truncate, subtask, epoch));
        } catch (SQLException e) {
            throw new IOException("sink " + sinkName + ": cannot apply the truncate of " + truncate.table() + ": "
                    + e.getMessage(), e);
        }
        truncations.remember(truncate.table(), truncate.position().value());
        if (outcome == TableTruncations.Outcome.APPLIED) {
            truncatesApplied.inc();
        }
        LOG.info("Sink {} subtask {}: truncate of {} at {}: {}", sinkName, subtask, truncate.table(),
                truncate.position(), outcome);
    }

    /**
     * Commits everything received before the end of the snapshot chunk, then reports this subtask's
     * arrival at its sweep; the last subtask to arrive sweeps (see {@link ChunkSweeper}).
     */
    private void sweep(ChangeEvent sweep) throws IOException, InterruptedException {
        requireCopies(sweep.sweepCopies(), "the end of a snapshot chunk of " + sweep.table());
        flush(false);
        sweeper.apply(flushers[0].applier, sweep, subtask, epoch);
    }

    /** A truncate or sweep is copied once per writer subtask of the job as it was built. */
    private void requireCopies(int copies, String what) throws IOException {
        if (copies != subtasks) {
            throw new IOException("sink " + sinkName + ": " + what + " was sent to " + copies + " writer subtasks but"
                    + " the sink runs " + subtasks + "; run the job at the parallelism it was built with");
        }
    }

    private void submitPending() throws IOException, InterruptedException {
        for (int i = 0; i < flushers.length; i++) {
            ChangeBatch batch = pending[i];
            if (batch.isEmpty()) {
                continue;
            }
            synchronized (idle) {
                inFlight++;
            }
            while (!flushers[i].queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                checkFailure(); // a dead flusher would never take it
            }
            pending[i] = ChangeBatch.like(batch);
        }
        pendingCount = 0;
    }

    private void scheduleFlush() {
        timeService.registerTimer(
                timeService.getCurrentProcessingTime() + flushIntervalMillis, this::onTimer);
    }

    private void onTimer(long time) throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        if (failure.get() == null) {
            submitPending();
        }
        scheduleFlush();
    }

    /** Counts what the flushers commit and keeps the first failure, waking {@link #flush} either way. */
    private BatchFlusher.Listener flusherListener() {
        return new BatchFlusher.Listener() {
            @Override
            public void applied(int changes) {
                changesWritten.inc(changes);
                synchronized (idle) {
                    inFlight--;
                    idle.notifyAll();
                }
            }

            @Override
            public void failed(Throwable t) {
                if (!closed) {
                    failure.compareAndSet(null, t);
                }
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        };
    }

    private void checkFailure() throws IOException {
        Throwable t = failure.get();
        if (t != null) {
            throw new IOException("JDBC sink failed to apply a batch: " + t.getMessage(), t);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeFlushers();
    }

    private void closeFlushers() {
        if (tombstoneExpiry != null) {
            tombstoneExpiry.close();
        }
        closeFlusherThreads();
        if (deadLetterGauges != null) {
            try {
                deadLetterGauges.close();
            } catch (IOException e) {
                LOG.warn("Closing the dead-letter gauges' queue failed: {}", e.getMessage());
            }
        }
        if (rejected != null) {
            try {
                rejected.close();
            } catch (IOException e) {
                LOG.warn("Closing the dead-letter queue failed: {}", e.getMessage());
            }
        }
    }

    private void closeFlusherThreads() {
        for (BatchFlusher flusher : flushers) {
            if (flusher != null) {
                flusher.interrupt();
            }
        }
        for (BatchFlusher flusher : flushers) {
            if (flusher != null) {
                try {
                    flusher.awaitStopped();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    flusher.applier.close();
                }
            }
        }
    }
}
