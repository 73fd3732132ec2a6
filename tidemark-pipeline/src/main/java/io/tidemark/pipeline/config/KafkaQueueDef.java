package io.tidemark.pipeline.config;

import java.util.Objects;

/**
 * Where a Kafka dead-letter queue lives and how its clients connect: kept apart from
 * {@link DeadLetterQueueDef} so that the JDBC keys and the Kafka keys cannot be mixed up.
 *
 * @param saslMechanism null without SASL; then the username and password are null too
 */
public record KafkaQueueDef(
        String bootstrapServers,
        String topic,
        String securityProtocol,
        String saslMechanism,
        String saslUsername,
        Secret saslPassword) implements java.io.Serializable {

    public KafkaQueueDef {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers cannot be null");
        Objects.requireNonNull(topic, "topic cannot be null");
        Objects.requireNonNull(securityProtocol, "securityProtocol cannot be null");
    }

    /** A broker without security, for tests and local runs. */
    public static KafkaQueueDef plaintext(String bootstrapServers, String topic) {
        return new KafkaQueueDef(bootstrapServers, topic, "PLAINTEXT", null, null, null);
    }
}
