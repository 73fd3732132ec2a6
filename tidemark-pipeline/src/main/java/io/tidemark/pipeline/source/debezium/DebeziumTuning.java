package io.tidemark.pipeline.source.debezium;

import java.util.Properties;

/**
 * The Debezium settings every Tidemark source shares: exact decimals, microsecond times, and a
 * reader that keeps the stream fed instead of pausing.
 */
public final class DebeziumTuning {

    private DebeziumTuning() {}

    public static Properties properties() {
        Properties debezium = new Properties();
        debezium.setProperty("decimal.handling.mode", "precise");
        debezium.setProperty("time.precision.mode", "adaptive_time_microseconds");
        // Debezium sleeps poll.interval.ms (500 ms by default) whenever its queue is empty, which
        // under load is often for a moment only; a short pause keeps the stream fed.
        debezium.setProperty("poll.interval.ms", "20");
        debezium.setProperty("max.batch.size", "4096");
        debezium.setProperty("max.queue.size", "16384");
        return debezium;
    }
}
