package io.tidemark.pipeline.metrics;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * A {@link SourceRetention} as gauges of a source reader, under the group {@code source}:
 * {@code tidemarkSourceBacklogBytes}, {@code tidemarkSourceRetainedBytes}, {@code
 * tidemarkSourcePurgeMarginBytes} and {@code tidemarkSourcePositionAvailable}. The source is read
 * when a reporter asks and at most once every {@link #READ_AT_MOST_EVERY}, on a connection opened
 * for the read: no thread and no connection outlives the reader, and a scrape never queries the
 * source more often than that. A failed read reports NaN (which no alert threshold matches) and
 * logs one line; the job goes on.
 */
public final class SourceRetentionGauges {

    public static final String BACKLOG_BYTES = "tidemarkSourceBacklogBytes";
    public static final String RETAINED_BYTES = "tidemarkSourceRetainedBytes";
    public static final String PURGE_MARGIN_BYTES = "tidemarkSourcePurgeMarginBytes";
    public static final String POSITION_AVAILABLE = "tidemarkSourcePositionAvailable";

    /** The bound on how often the source is queried for these gauges. */
    public static final Duration READ_AT_MOST_EVERY = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(SourceRetentionGauges.class);

    private final SourceRetention retention;
    private final String source;
    private SourceRetention.Reading last = SourceRetention.Reading.UNKNOWN;
    private long readAt = Long.MIN_VALUE;
    private String lastFailure;

    private SourceRetentionGauges(SourceRetention retention, String source) {
        this.retention = retention;
        this.source = source;
    }

    /** Registers the gauges of source {@code source} in a reader's metric group. */
    public static void register(MetricGroup readerGroup, String source, SourceRetention retention) {
        SourceRetentionGauges gauges = new SourceRetentionGauges(retention, source);
        MetricGroup group = readerGroup.addGroup("source", source);
        gauges.gauge(group, BACKLOG_BYTES, SourceRetention.Reading::backlogBytes);
        gauges.gauge(group, RETAINED_BYTES, SourceRetention.Reading::retainedBytes);
        gauges.gauge(group, PURGE_MARGIN_BYTES, SourceRetention.Reading::purgeMarginBytes);
        gauges.gauge(group, POSITION_AVAILABLE, SourceRetention.Reading::positionAvailable);
    }

    private void gauge(MetricGroup group, String name, ToDoubleFunction<SourceRetention.Reading> value) {
        group.gauge(name, (Gauge<Double>) () -> value.applyAsDouble(current()));
    }

    private synchronized SourceRetention.Reading current() {
        long now = System.nanoTime();
        if (readAt != Long.MIN_VALUE && now - readAt < READ_AT_MOST_EVERY.toNanos()) {
            return last;
        }
        readAt = now;
        try {
            last = retention.read();
            lastFailure = null;
        } catch (Exception e) {
            last = SourceRetention.Reading.UNKNOWN;
            String failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!failure.equals(lastFailure)) {
                LOG.warn("Cannot read how much change log source {} retains for the job: {}", source, failure);
            }
            lastFailure = failure;
        }
        return last;
    }
}
