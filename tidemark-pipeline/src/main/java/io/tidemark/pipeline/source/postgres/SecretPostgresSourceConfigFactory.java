package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.Secret;

import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;

import java.util.Objects;

/**
 * Flink CDC's PostgreSQL config factory with the password kept as an unresolved {@link Secret}:
 * the factory travels in the job graph, so the secret is resolved only inside {@link #create(int)},
 * which Flink CDC calls where the enumerator and the readers open, and the value is not kept.
 */
final class SecretPostgresSourceConfigFactory extends PostgresSourceConfigFactory {

    private static final long serialVersionUID = 1L;

    private final Secret secret;

    SecretPostgresSourceConfigFactory(Secret secret) {
        this.secret = Objects.requireNonNull(secret, "secret cannot be null");
    }

    @Override
    public synchronized PostgresSourceConfig create(int subtaskId) {
        password = secret.resolve();
        try {
            return super.create(subtaskId);
        } finally {
            password = null;
        }
    }
}
