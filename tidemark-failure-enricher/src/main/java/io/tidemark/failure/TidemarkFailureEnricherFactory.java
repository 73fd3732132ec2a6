package io.tidemark.failure;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.failure.FailureEnricher;
import org.apache.flink.core.failure.FailureEnricherFactory;

/** Found by Flink in the plugin's {@code META-INF/services}; creates the enricher from the cluster's configuration. */
public final class TidemarkFailureEnricherFactory implements FailureEnricherFactory {

    @Override
    public FailureEnricher createFailureEnricher(Configuration conf) {
        return new TidemarkFailureEnricher(conf.get(FailureEnricherOptions.SAME_CAUSE_WINDOW));
    }
}
