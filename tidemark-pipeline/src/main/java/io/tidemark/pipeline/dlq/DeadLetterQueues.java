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

    /**
     * The queue of a Redis sink: the configured Kafka topic or the database named by {@code url};
     * empty if disabled. A Redis sink has no database of its own, and a queue inside Redis would
     * fail with the writes it should catch (OOM), so the default queue (each JDBC sink's own
     * database) does not serve it either: the loader refuses that combination in a file, and a
     * definition built in code without a {@code url} gets no queue (a rejection fails the job).
     */
    public static Optional<Opener> forRedisSink(DeadLetterQueueDef def) {
        if (def.type() == DeadLetterQueueType.KAFKA) {
            KafkaQueueDef kafka = def.kafka();
            return Optional.of(() -> new KafkaDeadLetterQueue(kafka));
        }
        if (def.type() == DeadLetterQueueType.NONE || def.url() == null) {
            return Optional.empty();
        }
        JdbcConnectionFactory connections = new JdbcConnectionFactory(def.url(), def.username(), def.password());
        String table = def.table();
        return Optional.of(() -> new JdbcDeadLetterQueue(connections, table));
    }
}
