package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.dlq.DeadLetterGauges;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.metrics.BatchOutcome;
import io.tidemark.pipeline.metrics.SinkMetrics;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;

/**
 * Buffers change events, keeps the newest per key and writes a batch when it is full, when the
 * flush interval has passed, and in {@link #flush(boolean)}, which Flink calls before a checkpoint
 * barrier passes the sink. Batches are written on the task thread and acknowledged (as durably as
 * {@code durability} asks, and with every rejected change in the dead-letter queue) before the
 * writer returns, so a completed checkpoint never covers a change Redis has not applied
 * (at-least-once delivery); the script's position guard turns that into an exactly-once effect.
 */
final class RedisChangeWriter implements SinkWriter<ChangeEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisChangeWriter.class);

    private final RedisRowEncoder encoder;
    private final RedisBatchApplier applier;
    /** The dead-letter queue's writer side and gauges, or null; closed with the writer. */
    private final RejectedChanges rejected;
    private final DeadLetterGauges deadLetterGauges;
    private final int batchSize;
    private final long flushIntervalMillis;
    private final ProcessingTimeService timeService;
    private final Counter changesWritten;
    private final Counter truncatesApplied;
    private final SinkMetrics sinkMetrics;
    /** What the batch being written did, per table; handed to {@link #sinkMetrics} once Redis acknowledged it. */
    private final BatchOutcome outcome = new BatchOutcome();
    /** Truncates: null where the writer was built without them (tests of the write path alone). */
    private final RedisTruncations truncations;
    private final int subtask;
    private final int subtasks;
    private final String attempt;
    private LinkedHashMap<String, ChangeEvent> pending = new LinkedHashMap<>();
    private boolean closed;

    RedisChangeWriter(
            RedisRowEncoder encoder,
            RedisBatchApplier applier,
            int batchSize,
            Duration flushInterval,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics) {
        this(encoder, applier, null, null, null, 0, 1, "", batchSize, flushInterval, timeService, metrics,
                new SinkMetrics(metrics, "redis"));
    }

    RedisChangeWriter(
            RedisRowEncoder encoder,
            RedisBatchApplier applier,
            RejectedChanges rejected,
            DeadLetterGauges deadLetterGauges,
            RedisTruncations truncations,
            int subtask,
            int subtasks,
            String attempt,
            int batchSize,
            Duration flushInterval,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics,
            SinkMetrics sinkMetrics) {
        this.encoder = encoder;
        this.sinkMetrics = sinkMetrics;
        this.applier = applier;
        this.rejected = rejected;
        this.deadLetterGauges = deadLetterGauges;
        this.batchSize = batchSize;
        this.flushIntervalMillis = flushInterval.toMillis();
        this.timeService = timeService;
        this.changesWritten = metrics.counter("tidemarkChangesWritten");
        this.truncatesApplied = metrics.counter("tidemarkTruncatesApplied");
        this.truncations = truncations;
        this.subtask = subtask;
        this.subtasks = subtasks;
        this.attempt = attempt;
        if (truncations != null) {
            truncations.load();
            applier.skipTruncatedBy(truncations);
        }
        metrics.gauge("tidemarkRedisRetries", applier::retries);
        metrics.gauge("tidemarkRedisSkipped", applier::skipped);
        sinkMetrics.retriesGauge(applier::retries);
        applier.tallyInto(outcome);
        encoder.sinkTables().keySet().forEach(sinkMetrics::register);
        scheduleFlush();
    }

    @Override
    public void write(ChangeEvent event, Context context) throws IOException, InterruptedException {
        if (event.operation() == ChangeOperation.TRUNCATE) {
            truncate(event);
            return;
        }
        if (event.operation() == ChangeOperation.SWEEP) {
            // not applied: finding a chunk's keys would scan the table's keys once per chunk (README, Known limits)
            return;
        }
        if (truncations != null && truncations.supersedes(event)) {
            return; // from before a truncate this sink has applied: a replay
        }
        String key = encoder.dataKey(event);
        ChangeEvent previous = pending.get(key);
        if (previous == null || !previous.position().isAfter(event.position())) {
            pending.put(key, event); // never let an older change win
        }
        if (pending.size() >= batchSize) {
            writePending();
        }
    }

    /**
     * Writes everything received before the truncate, then reports this subtask's arrival at it;
     * the last subtask to arrive deletes the table's older keys (see {@link RedisTruncations}).
     */
    private void truncate(ChangeEvent truncate) throws IOException, InterruptedException {
        if (truncations == null) {
            throw new IOException("a truncate of " + truncate.table() + " reached a Redis writer built without"
                    + " truncate support");
        }
        if (truncate.truncateCopies() != subtasks) {
            throw new IOException("a truncate of " + truncate.table() + " was sent to " + truncate.truncateCopies()
                    + " writer subtasks but the sink runs " + subtasks + "; run the job at the parallelism it was built with");
        }
        writePending();
        RedisTruncations.Outcome outcome;
        try {
            outcome = truncations.arrive(truncate, subtask, attempt);
        } catch (RuntimeException e) {
            throw new IOException("cannot apply the truncate of " + truncate.table() + ": " + RedisReplies.message(e), e);
        }
        if (outcome == RedisTruncations.Outcome.APPLIED) {
            truncatesApplied.inc();
        }
        LOG.info("Redis writer subtask {}: truncate of {} at {}: {}", subtask, truncate.table(), truncate.position(),
                outcome);
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        writePending();
    }

    private void writePending() throws IOException, InterruptedException {
        if (pending.isEmpty()) {
            return;
        }
        LinkedHashMap<String, ChangeEvent> batch = pending;
        long started = System.nanoTime();
        outcome.clear();
        applier.apply(batch); // on failure the batch stays pending; the job fails and replays anyway
        pending = new LinkedHashMap<>();
        changesWritten.inc(batch.size());
        sinkMetrics.committed(outcome);
        sinkMetrics.flushed(batch.size(), Duration.ofNanos(System.nanoTime() - started));
    }

    private void scheduleFlush() {
        timeService.registerTimer(timeService.getCurrentProcessingTime() + flushIntervalMillis, this::onTimer);
    }

    private void onTimer(long time) throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        writePending();
        scheduleFlush();
    }

    @Override
    public void close() {
        closed = true;
        applier.close();
        if (truncations != null) {
            truncations.close();
        }
        try {
            if (deadLetterGauges != null) {
                deadLetterGauges.close();
            }
            if (rejected != null) {
                rejected.close();
            }
        } catch (IOException e) {
            LOG.warn("Closing the dead-letter queue failed: {}", e.getMessage());
        }
    }
}
