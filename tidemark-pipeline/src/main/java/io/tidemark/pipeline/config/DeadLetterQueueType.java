package io.tidemark.pipeline.config;

import java.util.Locale;

/** Where rejected changes go. */
public enum DeadLetterQueueType {
    /** A table in a PostgreSQL or MySQL/MariaDB database, by default each JDBC sink's own. */
    JDBC,
    /** A compacted Kafka topic, one record per entry keyed by its entry id, with error-context headers. */
    KAFKA,
    /** No queue: a rejected change fails the job (after its retries), as without Tidemark. */
    NONE;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
