package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.DeadLetterQueueType;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.KafkaQueueDef;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;

import java.io.Serializable;
import java.util.Optional;

/** Opens the dead-letter queue a sink uses, as configured in {@code dead-letter-queue}. */
public final class DeadLetterQueues {

    /** How a writer opens its own queue on the task manager. */
    @FunctionalInterface
    public interface Opener extends Serializable {
        DeadLetterQueue open();
    }

    private DeadLetterQueues() {}

    /**
     * The queue of a JDBC sink: the configured Kafka topic, the configured database, or the sink's
     * own database; empty if disabled.
     */
    public static Optional<Opener> forJdbcSink(DeadLetterQueueDef def, JdbcSinkDef sink) {
        if (def.type() == DeadLetterQueueType.NONE) {
            return Optional.empty();
        }
        if (def.type() == DeadLetterQueueType.KAFKA) {
            KafkaQueueDef kafka = def.kafka();
            return Optional.of(() -> new KafkaDeadLetterQueue(kafka));
        }
        JdbcConnectionFactory connections = def.url() != null
                ? new JdbcConnectionFactory(def.url(), def.username(), def.password())
                : JdbcConnectionFactory.of(sink);
        String table = def.table();
        return Optional.of(() -> new JdbcDeadLetterQueue(connections, table));
    }
}
