package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.dlq.DeadLetterGauges;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;

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
    private LinkedHashMap<String, ChangeEvent> pending = new LinkedHashMap<>();
    private boolean closed;

    RedisChangeWriter(
            RedisRowEncoder encoder,
            RedisBatchApplier applier,
            int batchSize,
            Duration flushInterval,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics) {
        this(encoder, applier, null, null, batchSize, flushInterval, timeService, metrics);
    }

    RedisChangeWriter(
            RedisRowEncoder encoder,
            RedisBatchApplier applier,
            RejectedChanges rejected,
            DeadLetterGauges deadLetterGauges,
            int batchSize,
            Duration flushInterval,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics) {
        this.encoder = encoder;
        this.applier = applier;
        this.rejected = rejected;
        this.deadLetterGauges = deadLetterGauges;
        this.batchSize = batchSize;
        this.flushIntervalMillis = flushInterval.toMillis();
        this.timeService = timeService;
        this.changesWritten = metrics.counter("tidemarkChangesWritten");
        metrics.gauge("tidemarkRedisRetries", applier::retries);
        metrics.gauge("tidemarkRedisSkipped", applier::skipped);
        scheduleFlush();
    }

    @Override
    public void write(ChangeEvent event, Context context) throws IOException, InterruptedException {
        String key = encoder.dataKey(event);
        ChangeEvent previous = pending.get(key);
        if (previous == null || !previous.position().isAfter(event.position())) {
            pending.put(key, event); // never let an older change win
        }
        if (pending.size() >= batchSize) {
            writePending();
        }
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
        applier.apply(batch); // on failure the batch stays pending; the job fails and replays anyway
        pending = new LinkedHashMap<>();
        changesWritten.inc(batch.size());
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
