package io.tidemark.pipeline.config;

import java.util.Locale;

/** Where rejected changes go. */
public enum DeadLetterQueueType {
    /** A table in a PostgreSQL or MySQL/MariaDB database, by default each JDBC sink's own. */
    JDBC,
    /** No queue: a rejected change fails the job (after its retries), as without Tidemark. */
    NONE;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
