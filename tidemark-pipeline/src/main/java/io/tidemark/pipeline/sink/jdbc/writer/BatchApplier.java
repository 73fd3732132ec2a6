package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterReplay;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.metrics.SinkMetrics;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Applies compacted batches to the sink database in one transaction each, on its own connection.
 *
 * <p>Every write is guarded by the row's source position, deletes leave a tombstone, and the
 * transaction records the highest position applied. Changes at or below the recovery horizon (the
 * highest position applied before this writer started, i.e. possibly replays) are checked against
 * tombstones first, so a replayed insert never resurrects a row deleted later. A writer of the
 * job is fenced ({@link WriterFence}): its transactions commit only while its attempt owns the sink.
 */
final class BatchApplier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);

    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;
    private final String pipeline;
    private final String writerId;
    private final SinkConnection connection;
    /** Null when the pipeline has no dead-letter queue: a rejected change then fails the job. */
    private final RejectedChanges rejected;
    /** With a queue: the rows whose later changes wait behind a rejected one. */
    private final ParkedRows parkedRows;

    /** Only in apply-order source: changes put aside while catching up after the snapshot. */
    private DeferredChanges deferred;
    /** Null outside a job (a dead-letter replay): then nothing is fenced. */
    private WriterFence fence;
    private long epoch;
    private long recoveryHorizon = Long.MIN_VALUE;
    /** Null outside a job (a dead-letter replay): then nothing is reported. */
    private SinkMetrics metrics;

    BatchApplier(
            JdbcConnectionFactory connections,
            SinkDialect dialect,
            Map<TableId, TableId> sinkTables,
            String pipeline,
            String writerId,
            int maxRetries,
            Set<String> transientCodes,
            RejectedChanges rejected) {
        this.dialect = dialect;
        this.sinkTables = sinkTables;
        this.pipeline = pipeline;
        this.writerId = writerId;
        this.connection = new SinkConnection(connections, dialect, sinkTables, maxRetries, transientCodes);
        this.rejected = rejected;
        this.parkedRows = rejected == null ? null : new ParkedRows(this, rejected);
    }

    /**
     * Joins the sink's fence for a job attempt ({@code <job id>:<attempt number>}), taking the sink
     * over from older attempts; returns the epoch. Call before {@link #open()} reads the horizon.
     */
    long joinFence(WriterFence fence, String attempt) throws SQLException {
        long joined = withRetries("take over the sink", () -> fence.acquire(connection.get(), attempt));
        fencedBy(fence, joined);
        return joined;
    }

    /** Commits only while {@code epoch} owns the sink (the epoch a sibling flusher joined). */
    void fencedBy(WriterFence fence, long epoch) {
        this.fence = fence;
        this.epoch = epoch;
    }

    /** Reads the recovery horizon; called once before the first batch. */
    long open() throws SQLException {
        return withRetries("read recovery horizon", () -> {
            Connection c = connection.get();
            try (PreparedStatement ps = c.prepareStatement(dialect.selectRecoveryHorizon())) {
                ps.setString(1, pipeline);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    recoveryHorizon = rs.getLong(1);
                }
            }
            c.commit();
            return recoveryHorizon;
        });
    }

    /**
     * Makes this applier (of a sink in apply-order source) put aside changes that the snapshot's
     * inconsistency makes a constraint refuse, instead of rejecting them; loads those already aside.
     */
    void deferWhileCatchingUp(DeferredChanges changes) throws SQLException {
        this.deferred = changes;
        inTransaction("load deferred changes", c -> {
            changes.load(c);
            return null;
        });
    }

    /** Where retries after transient errors are counted (a metric of the writer). */
    void countRetriesIn(Counter counter) {
        connection.countRetriesIn(counter);
    }

    /** Where committed batches are reported (the writer's sink metrics). */
    void reportTo(SinkMetrics metrics) {
        this.metrics = metrics;
    }

    void setRecoveryHorizon(long horizon) {
        this.recoveryHorizon = horizon;
    }

    /**
     * Applies a batch. If the sink rejects it with a permanent error and there is a dead-letter
     * queue, the batch is applied again change by change: each rejected change is tried up to the
     * queue's max-attempts and then queued, and the others are applied. Changes of rows parked
     * behind a queued change go to the queue without being tried.
     */
    void apply(ChangeBatch batch) throws SQLException, InterruptedException {
        ChangeBatch toApply = parkedRows == null ? batch : parkedRows.withoutParkedRows(batch);
        if (toApply.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        List<ChangeEvent> applied;
        try {
            withRetries("apply batch", () -> {
                applyOnce(toApply);
                return null;
            });
            applied = null; // all of them; listed only where they are needed, below
        } catch (SQLException e) {
            boolean mayDefer = deferred != null && dialect.isConstraintViolation(e);
            if ((rejected == null && !mayDefer) || notARejection(e)) {
                throw e;
            }
            LOG.warn("Sink rejected a batch of {} changes ({}); applying them one by one to find the rejected ones",
                    toApply.size(), RejectedChanges.errorClass(e));
            applied = applyOneByOne(toApply);
        }
        if (rejected != null && rejected.hasRowsToSupersede()) {
            List<ChangeEvent> done = applied == null ? toApply.changes() : applied;
            queue(() -> rejected.supersede(done)); // after-rejection: continue
        }
        if (deferred != null && !deferred.isEmpty()) {
            deferred.retry(this, rejected, batch.maxPosition());
        }
        if (metrics != null) {
            metrics.flushed(toApply.size(), Duration.ofNanos(System.nanoTime() - started));
        }
    }


    /** Applies a batch change by change, queueing (or putting aside) the ones refused; returns those applied. */
    private List<ChangeEvent> applyOneByOne(ChangeBatch batch) throws SQLException, InterruptedException {
        List<ChangeEvent> applied = new ArrayList<>();
        for (ChangeEvent change : batch.changes()) {
            ChangeBatch single = new ChangeBatch();
            single.add(change);
            Instant firstFailure = null;
            for (int attempt = 1; ; attempt++) {
                try {
                    withRetries("apply change", () -> {
                        applyOnce(single);
                        return null;
                    });
                    applied.add(change);
                    break;
                } catch (SQLException e) {
                    if (notARejection(e)) {
                        throw e; // out of retries, a newer attempt owns the sink, a table is gone: never queue the change
                    }
                    if (deferred != null && dialect.isConstraintViolation(e) && deferred.mayDefer(change)) {
                        DeferredChanges.Entry entry = inTransaction("defer a change", c -> deferred.defer(c, change, e));
                        deferred.added(entry);
                        LOG.info("Sink put {} aside while it catches up with the snapshot ({})", change,
                                RejectedChanges.errorClass(e));
                        break;
                    }
                    if (rejected == null) {
                        throw e;
                    }
                    firstFailure = firstFailure == null ? Instant.now() : firstFailure;
                    if (attempt >= rejected.maxAttempts()) {
                        LOG.warn("Sink rejected {} {} times ({}); sending it to the dead-letter queue",
                                change, attempt, RejectedChanges.errorClass(e));
                        Instant first = firstFailure;
                        int attempts = attempt;
                        queue(() -> rejected.reject(change, e, attempts, first));
                        break;
                    }
                    Thread.sleep(100L * attempt);
                }
            }
        }
        return applied;
    }

    /** An error that is not the change's fault: it fails the job instead of sending the change to the queue. */
    private boolean notARejection(SQLException e) {
        if (dialect.isMissingTable(e)) {
            LOG.error("Sink table missing ({}); the job fails and restarts until it exists again",
                    String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return true;
        }
        return isTransient(e) || e instanceof WriterFence.WriterFencedException;
    }

    /** Applies the parked changes that a replay left behind (see {@link ParkedRows#release}). */
    void releaseParked() throws SQLException {
        if (parkedRows != null) {
            parkedRows.release();
        }
    }

    @FunctionalInterface
    interface QueueAction {
        void run() throws IOException;
    }

    /** Runs a dead-letter queue action; its failure is a transient error of the batch (08000), never a rejection. */
    static void queue(QueueAction action) throws SQLException {
        try {
            action.run();
        } catch (IOException e) {
            throw new SQLException("cannot write to the dead-letter queue: " + e.getMessage(), "08000", e);
        }
    }

    /**
     * Replays one change of the dead-letter queue, in one transaction: if the sink already holds its
     * row, or the row's tombstone, at the change's position or later, nothing is written and that
     * position is returned; otherwise the change goes through the same guarded write as a batch
     * (tombstones checked first, as for any possible replay) and the result is empty. A rejection
     * is thrown as from {@link #apply}; transient errors are retried first.
     */
    OptionalLong replay(ChangeEvent change) throws SQLException {
        TableId sinkTable = sinkTables.get(change.table());
        if (sinkTable == null) {
            throw new SQLException("source table " + change.table() + " is not routed to this sink", "42P01");
        }
        return withRetries("replay change", () -> {
            Connection c = connection.get();
            long held = connection.statements().heldPosition(change);
            if (held >= change.position().value()) {
                c.commit();
                return OptionalLong.of(held);
            }
            ChangeBatch single = new ChangeBatch();
            single.add(change);
            applyOnce(single);
            return OptionalLong.empty();
        });
    }

    /** Work done in one transaction of this applier's connection. */
    @FunctionalInterface
    interface TransactionWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, fenced and retried like a batch. Only while no batch is
     * being applied: the writer calls it from the task thread once its flushers are idle.
     */
    <T> T inTransaction(String what, TransactionWork<T> work) throws SQLException {
        return withRetries(what, () -> {
            Connection c = connection.get();
            T result = work.run(c);
            if (fence != null) {
                fence.check(c, epoch);
            }
            c.commit();
            return result;
        });
    }

    /**
     * {@link #replay} as the dead-letter queue's replay and release see it: applied, skipped (with
     * the position the sink holds) or still rejected; an error that is not a rejection (transient, or
     * a newer attempt owning the sink) is thrown as an IOException whose cause is the SQLException.
     */
    DeadLetterReplay.Result replayForQueue(DeadLetter letter) throws IOException {
        try {
            OptionalLong held = replay(letter.event());
            return held.isPresent()
                    ? new DeadLetterReplay.Result.Skipped("sink holds the row at position " + held.getAsLong())
                    : new DeadLetterReplay.Result.Applied();
        } catch (SQLException e) {
            if (isTransient(e) || e instanceof WriterFence.WriterFencedException) {
                throw new IOException(RejectedChanges.message(e)
                        + " (a transient error; nothing was lost, run the replay again)", e);
            }
            return new DeadLetterReplay.Result.Rejected(RejectedChanges.errorClass(e), RejectedChanges.message(e));
        }
    }

    /** The dialect's transient errors, plus the codes configured in dead-letter-queue.transient-errors. */
    boolean isTransient(SQLException error) {
        return connection.isTransient(error);
    }

    private void applyOnce(ChangeBatch batch) throws SQLException {
        Connection c = connection.get();
        connection.statements().write(batch, recoveryHorizon);
        if (deferred != null) {
            deferred.recordSnapshotRows(c, batch);
        }
        if (fence != null) {
            fence.check(c, epoch); // last before the commit: the shared lock holds off a takeover until then
        }
        PreparedStatement progressUpsert = connection.progressUpsert();
        progressUpsert.setString(1, pipeline);
        progressUpsert.setString(2, writerId);
        progressUpsert.setLong(3, batch.maxPosition());
        progressUpsert.executeUpdate();
        c.commit();
        if (metrics != null) {
            metrics.committed(connection.statements().outcome());
        }
    }

    private <T> T withRetries(String what, SinkConnection.SqlAction<T> action) throws SQLException {
        return connection.withRetries(what, action);
    }

    /** See {@link SinkConnection#endSessionFromOutside}; from another thread than the one applying. */
    void endSession() {
        connection.endSessionFromOutside();
    }

    @Override
    public void close() {
        connection.close();
    }
}
