package io.tidemark.pipeline.teardown;

/**
 * What a pipeline drop removes beyond the pipeline's own state.
 *
 * @param includeDeadLetters also delete the pipeline's dead-letter entries, which otherwise stay:
 *     they are changes the sinks never applied
 * @param dropPositionColumns also drop the {@code _tidemark_pos} column from the pipeline's sink tables
 */
public record TeardownOptions(boolean includeDeadLetters, boolean dropPositionColumns) {

    public static TeardownOptions defaults() {
        return new TeardownOptions(false, false);
    }
}
