package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ExternalizedCheckpointRetention;

/**
 * What happens to completed checkpoints when the job is cancelled; mirrors Flink's
 * {@link ExternalizedCheckpointRetention} so the pipeline file does not depend on Flink's enum.
 */
public enum ExternalizedRetention {
    RETAIN_ON_CANCELLATION,
    DELETE_ON_CANCELLATION,
    NO_EXTERNALIZED_CHECKPOINTS;

    /** The Flink setting with the same meaning. */
    public ExternalizedCheckpointRetention toFlink() {
        return ExternalizedCheckpointRetention.valueOf(name());
    }
}
