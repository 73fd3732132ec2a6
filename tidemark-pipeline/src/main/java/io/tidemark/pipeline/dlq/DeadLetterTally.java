package io.tidemark.pipeline.dlq;

/**
 * How many entries of one sink's source table and error class are pending and how many were
 * replayed: what the {@code tidemarkDeadLettersPending} and {@code tidemarkDeadLettersReplayed}
 * gauges report.
 */
public record DeadLetterTally(String sourceTable, String errorClass, long pending, long replayed) {}
