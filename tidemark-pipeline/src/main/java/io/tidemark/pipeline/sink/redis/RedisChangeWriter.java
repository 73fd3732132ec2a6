package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.event.ChangeEvent;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;

/**
 * Buffers change events, keeps the newest per key and writes a batch when it is full, when the
 * flush interval has passed, and in {@link #flush(boolean)}, which Flink calls before a checkpoint
 * barrier passes the sink. Batches are written on the task thread and acknowledged before the
 * writer returns, so a completed checkpoint never covers a change Redis has not applied
 * (at-least-once delivery); the script's position guard turns that into an exactly-once effect.
 */
final class RedisChangeWriter implements SinkWriter<ChangeEvent> {

    private final RedisRowEncoder encoder;
    private final RedisBatchApplier applier;
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
        this.encoder = encoder;
        this.applier = applier;
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
    }
}
