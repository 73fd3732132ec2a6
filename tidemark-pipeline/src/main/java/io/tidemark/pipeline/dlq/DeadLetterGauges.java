package io.tidemark.pipeline.dlq;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The state of one sink's dead-letter queue as gauges: {@code tidemarkDeadLettersPending} and
 * {@code tidemarkDeadLettersReplayed} per sink, source table and error class. Entries are replayed by
 * {@code tidemark dlq replay}, a separate process, so the running job reads the queue itself
 * (every {@code interval}, on its own thread and with its own queue connection) to make replays
 * visible where alerts look. One writer subtask per sink registers them, so that a sum over
 * subtasks stays the queue's count.
 */
public final class DeadLetterGauges implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterGauges.class);

    /** How often the job reads its queue's counts: a replay shows in the gauges this long after it ran. */
    public static final Duration REFRESH_EVERY = Duration.ofSeconds(10);

    private final DeadLetterQueue queue;
    private final String pipeline;
    private final String sink;
    private final MetricGroup metrics;
    private final Map<String, DeadLetterTally> tallies = new ConcurrentHashMap<>();
    private ScheduledExecutorService poller;

    public DeadLetterGauges(DeadLetterQueue queue, String pipeline, String sink, MetricGroup metrics) {
        this.queue = queue;
        this.pipeline = pipeline;
        this.sink = sink;
        this.metrics = metrics;
    }

    /** Reads the queue now and then every {@code interval} until closed. */
    public void start(Duration interval) {
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidemark-dlq-gauges-" + sink);
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::refreshQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the queue's counts and updates the gauges, registering those of a table and error class
     * seen for the first time. A pair that disappeared (purged) reports zero.
     */
    public void refresh() throws IOException {
        Map<String, DeadLetterTally> seen = new ConcurrentHashMap<>();
        for (DeadLetterTally tally : queue.tally(pipeline, sink)) {
            seen.put(key(tally.sourceTable(), tally.errorClass()), tally);
        }
        for (Map.Entry<String, DeadLetterTally> e : seen.entrySet()) {
            if (tallies.put(e.getKey(), e.getValue()) == null) {
                register(e.getKey(), e.getValue().sourceTable(), e.getValue().errorClass());
            }
        }
        tallies.replaceAll((key, old) -> seen.getOrDefault(key, new DeadLetterTally(old.sourceTable(), old.errorClass(), 0, 0)));
    }

    private void register(String key, String table, String errorClass) {
        MetricGroup group = metrics.addGroup("sink", sink).addGroup("table", table).addGroup("error_class", errorClass);
        group.gauge("tidemarkDeadLettersPending", (Gauge<Long>) () -> tallies.get(key).pending());
        group.gauge("tidemarkDeadLettersReplayed", (Gauge<Long>) () -> tallies.get(key).replayed());
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot read the dead-letter queue of sink {} for its gauges: {}", sink, e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        if (poller != null) {
            poller.shutdownNow();
        }
        queue.close();
    }

    private static String key(String table, String errorClass) {
        return table + " " + errorClass;
    }
}
