package io.tidemark.pipeline.config;

import java.util.List;
import java.util.Objects;

/**
 * The {@code dead-letter-queue} section: where changes go that a sink rejects, how often a rejected
 * change is tried first, what happens to its row's later changes, and which further errors count
 * as transient (retried, never queued).
 *
 * @param url the queue's database; null means each JDBC sink's own database (then username and
 *     password are null too)
 */
public record DeadLetterQueueDef(
        DeadLetterQueueType type,
        String url,
        String username,
        Secret password,
        String table,
        int maxAttempts,
        DeadLetterPolicy afterRejection,
        List<String> transientErrors,
        KafkaQueueDef kafka) implements java.io.Serializable {

    public DeadLetterQueueDef {
        Objects.requireNonNull(type, "type cannot be null");
        Objects.requireNonNull(table, "table cannot be null");
        Objects.requireNonNull(afterRejection, "afterRejection cannot be null");
        transientErrors = List.copyOf(transientErrors);
        if ((type == DeadLetterQueueType.KAFKA) != (kafka != null)) {
            throw new IllegalArgumentException("kafka settings are needed with type kafka and only there");
        }
    }

    /** The queue a pipeline file without the section gets: a table in each JDBC sink's database. */
    public static DeadLetterQueueDef defaults() {
        return new DeadLetterQueueDef(DeadLetterQueueType.JDBC, null, null, null,
                DeadLetterQueueOptions.TABLE.defaultValue(), DeadLetterQueueOptions.MAX_ATTEMPTS.defaultValue(),
                DeadLetterQueueOptions.AFTER_REJECTION.defaultValue(), List.of(), null);
    }

    public boolean enabled() {
        return type != DeadLetterQueueType.NONE;
    }
}
