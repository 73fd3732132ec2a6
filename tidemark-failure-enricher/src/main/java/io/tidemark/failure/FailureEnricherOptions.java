package io.tidemark.failure;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/** The Flink configuration keys of {@link TidemarkFailureEnricher}, set in the cluster's configuration. */
public final class FailureEnricherOptions {

    /** The value of {@code jobmanager.failure-enrichers} that turns the enricher on: its class name, not the factory's. */
    public static final String ENRICHER_CLASS = TidemarkFailureEnricher.class.getName();

    public static final ConfigOption<Duration> SAME_CAUSE_WINDOW = ConfigOptions.key("tidemark.failures.same-cause-window")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("How far back failures with the same root cause count for the tidemarkSameCauseFailures"
                    + " metric and the tidemark.same-cause-count label (as --same-failure-window does for tidemark run).");

    private FailureEnricherOptions() {}
}
