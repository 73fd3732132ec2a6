package io.tidemark.pipeline.config;

import java.util.Locale;

/**
 * Whether a MySQL or MariaDB source's connections (Flink CDC's binlog reader and snapshot queries,
 * Tidemark's own start-up checks and binlog scans) use TLS; the modes of MySQL Connector/J's
 * {@code sslMode}, spelled in {@code pipeline.yaml} in lowercase with dashes.
 */
public enum MySqlTls {
    /** TLS where the server offers it, else plain: the default, as Connector/J's own. */
    PREFERRED,
    /** TLS or no connection; the server's certificate is not verified. */
    REQUIRED,
    /** TLS with the server's certificate verified against the JVM's trust store. */
    VERIFY_CA,
    /** As {@link #VERIFY_CA}, and the certificate must name the host connected to. */
    VERIFY_IDENTITY,
    /** Never TLS. */
    DISABLED;

    /** The value of Connector/J's {@code sslMode} property. */
    public String connectorJMode() {
        return name();
    }

    /** The value of Debezium's {@code database.ssl.mode}, which its binlog client follows. */
    public String debeziumMode() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a connection without TLS is refused. */
    public boolean requiresTls() {
        return this != PREFERRED && this != DISABLED;
    }

    /** The spelling used in {@code pipeline.yaml} ({@code preferred}, {@code verify-ca}, ...). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
