package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.util.List;

import static io.tidemark.pipeline.config.PipelineConfigLoader.DEAD_LETTER_QUEUE;

/**
 * Checks the {@code dead-letter-queue} section as a whole, where its keys depend on each other and
 * on the sinks: a queue in another database needs its credentials, a Kafka queue its brokers, keys
 * of one type are refused with another, and a Redis sink needs a queue outside Redis.
 */
final class DeadLetterQueueChecks {

    private final Problems problems;

    DeadLetterQueueChecks(Problems problems) {
        this.problems = problems;
    }

    /**
     * A queue in another database needs its credentials, and the URL must not carry them; a Kafka
     * queue needs its brokers; keys of one type are refused with another.
     */
    void check(Configuration values, ObjectNode written) {
        if (written != null && written.hasNonNull(DeadLetterQueueOptions.TYPE.key())
                && !values.contains(DeadLetterQueueOptions.TYPE)) {
            return; // the type is wrong and already reported: which keys belong to it is unknown
        }
        DeadLetterQueueType type = values.get(DeadLetterQueueOptions.TYPE);
        List<ConfigOption<?>> jdbcOnly = List.of(DeadLetterQueueOptions.URL, DeadLetterQueueOptions.USERNAME,
                DeadLetterQueueOptions.PASSWORD, DeadLetterQueueOptions.TABLE);
        List<ConfigOption<?>> kafkaOnly = List.of(DeadLetterQueueOptions.BOOTSTRAP_SERVERS,
                DeadLetterQueueOptions.TOPIC, DeadLetterQueueOptions.SECURITY_PROTOCOL,
                DeadLetterQueueOptions.SASL_MECHANISM, DeadLetterQueueOptions.SASL_USERNAME,
                DeadLetterQueueOptions.SASL_PASSWORD);
        if (type == DeadLetterQueueType.KAFKA) {
            refuse(values, jdbcOnly, "only used with type jdbc; remove it");
            checkKafkaQueue(values, written);
            return;
        }
        refuse(values, kafkaOnly, "only used with type kafka; remove it, or set type: kafka");
        if (values.getOptional(DeadLetterQueueOptions.URL).isEmpty()) {
            refuse(values, List.of(DeadLetterQueueOptions.USERNAME, DeadLetterQueueOptions.PASSWORD),
                    "only used with url; remove it, or set url to the queue's database");
            return;
        }
        for (var option : List.of(DeadLetterQueueOptions.USERNAME, DeadLetterQueueOptions.PASSWORD)) {
            if (values.getOptional(option).isEmpty()) {
                problems.add(Problems.child(DEAD_LETTER_QUEUE, option.key()), "required with url");
            }
        }
    }

    /**
     * A Redis sink has no database of its own for its rejected writes, and a queue inside Redis
     * would fail with the writes it should catch (OOM): with a Redis sink, the queue must be a
     * database named by url, a Kafka topic, or none.
     */
    void checkRedisSinksHaveAQueue(Configuration values, ObjectNode written, List<String> redisSinks) {
        if (written != null && written.hasNonNull(DeadLetterQueueOptions.TYPE.key())
                && !values.contains(DeadLetterQueueOptions.TYPE)) {
            return; // the type is wrong and already reported
        }
        if (values.get(DeadLetterQueueOptions.TYPE) != DeadLetterQueueType.JDBC
                || values.getOptional(DeadLetterQueueOptions.URL).isPresent()) {
            return;
        }
        if (!redisSinks.isEmpty()) {
            problems.add(Problems.child(DEAD_LETTER_QUEUE, DeadLetterQueueOptions.URL.key()),
                    "required with a Redis sink (" + String.join(", ", redisSinks) + "), which has no database"
                            + " of its own for the writes Redis rejects; set url, username and password to a"
                            + " PostgreSQL or MySQL database, or type: kafka, or type: none to fail the job on a"
                            + " rejected write");
        }
    }

    private void checkKafkaQueue(Configuration values, ObjectNode written) {
        if (!written.hasNonNull(DeadLetterQueueOptions.BOOTSTRAP_SERVERS.key())) {
            problems.add(Problems.child(DEAD_LETTER_QUEUE, DeadLetterQueueOptions.BOOTSTRAP_SERVERS.key()),
                    "required with type kafka");
        }
        List<ConfigOption<?>> sasl = List.of(DeadLetterQueueOptions.SASL_MECHANISM,
                DeadLetterQueueOptions.SASL_USERNAME, DeadLetterQueueOptions.SASL_PASSWORD);
        if (written.hasNonNull(DeadLetterQueueOptions.SECURITY_PROTOCOL.key())
                && !values.contains(DeadLetterQueueOptions.SECURITY_PROTOCOL)) {
            return; // already reported
        }
        if (!values.get(DeadLetterQueueOptions.SECURITY_PROTOCOL).startsWith("SASL_")) {
            refuse(values, sasl, "only used with security-protocol SASL_SSL or SASL_PLAINTEXT");
            return;
        }
        for (var option : sasl) {
            if (!written.hasNonNull(option.key())) {
                problems.add(Problems.child(DEAD_LETTER_QUEUE, option.key()),
                        "required with security-protocol " + values.get(DeadLetterQueueOptions.SECURITY_PROTOCOL));
            }
        }
    }

    private void refuse(Configuration values, List<ConfigOption<?>> options, String why) {
        for (var option : options) {
            if (values.contains(option)) {
                problems.add(Problems.child(DEAD_LETTER_QUEUE, option.key()), why);
            }
        }
    }
}
