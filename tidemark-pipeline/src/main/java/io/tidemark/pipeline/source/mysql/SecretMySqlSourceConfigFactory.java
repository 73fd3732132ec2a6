package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.Secret;

import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfig;
import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfigFactory;

import java.util.Objects;

/**
 * Flink CDC's MySQL config factory with the password kept as an unresolved {@link Secret}: the
 * factory travels in the job graph, so the secret is resolved only inside {@link
 * #createConfig(int, String)}, which Flink CDC calls where the enumerator and the readers open, and
 * the value is not kept.
 */
final class SecretMySqlSourceConfigFactory extends MySqlSourceConfigFactory {

    private static final long serialVersionUID = 1L;

    private final Secret secret;

    SecretMySqlSourceConfigFactory(Secret secret) {
        this.secret = Objects.requireNonNull(secret, "secret cannot be null");
    }

    @Override
    public synchronized MySqlSourceConfig createConfig(int subtaskId, String serverName) {
        password(secret.resolve());
        try {
            return super.createConfig(subtaskId, serverName);
        } finally {
            password(null);
        }
    }
}
