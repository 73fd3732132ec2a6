package io.tidemark.pipeline.config;

import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Turns the sections of a pipeline file, once {@link PipelineConfigLoader} found no problem in them,
 * into the typed definitions the job is built from. Secret references become {@link Secret}s here,
 * with a warning for literal values.
 */
final class ConfigDefs {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigDefs.class);

    private ConfigDefs() {}

    static SourceDef sourceDef(String type, Configuration values, String slotName) {
        if (type.equals(MySqlSourceOptions.TYPE_NAME)) {
            return new MySqlSourceDef(
                    values.get(MySqlSourceOptions.HOSTNAME),
                    values.get(MySqlSourceOptions.PORT),
                    values.get(MySqlSourceOptions.USERNAME),
                    secret(values.get(MySqlSourceOptions.PASSWORD), "source.password"),
                    values.get(MySqlSourceOptions.TABLES),
                    values.get(MySqlSourceOptions.SERVER_ID),
                    values.get(MySqlSourceOptions.SERVER_TIME_ZONE),
                    values.get(MySqlSourceOptions.SNAPSHOT_CHUNK_SIZE),
                    values.get(MySqlSourceOptions.STARTUP_MODE),
                    values.get(MySqlSourceOptions.TRUNCATE),
                    values.get(MySqlSourceOptions.TLS));
        }
        if (!type.equals(PostgresSourceOptions.TYPE_NAME)) {
            throw new IllegalStateException("no source definition for type " + type);
        }
        return new PostgresSourceDef(
                values.get(PostgresSourceOptions.HOSTNAME),
                values.get(PostgresSourceOptions.PORT),
                values.get(PostgresSourceOptions.DATABASE),
                values.get(PostgresSourceOptions.USERNAME),
                secret(values.get(PostgresSourceOptions.PASSWORD), "source.password"),
                values.get(PostgresSourceOptions.TABLES),
                slotName,
                values.getOptional(PostgresSourceOptions.PUBLICATION_NAME).orElse(slotName),
                values.get(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE),
                values.get(PostgresSourceOptions.STARTUP_MODE),
                values.get(PostgresSourceOptions.TRUNCATE));
    }

    static SinkDef sinkDef(String name, String type, Configuration values, String path) {
        if (type.equals(RedisSinkOptions.TYPE_NAME)) {
            return redisSinkDef(name, values, path);
        }
        if (!type.equals(JdbcSinkOptions.TYPE_NAME)) {
            throw new IllegalStateException("no sink definition for type " + type);
        }
        return new JdbcSinkDef(
                name,
                values.get(JdbcSinkOptions.URL),
                values.get(JdbcSinkOptions.USERNAME),
                secret(values.get(JdbcSinkOptions.PASSWORD), Problems.child(path, JdbcSinkOptions.PASSWORD.key())),
                values.get(JdbcSinkOptions.BATCH_SIZE),
                values.get(JdbcSinkOptions.FLUSH_INTERVAL),
                values.get(JdbcSinkOptions.FLUSH_THREADS),
                values.get(JdbcSinkOptions.TOMBSTONE_RETENTION),
                values.get(JdbcSinkOptions.MAX_RETRIES),
                values.get(JdbcSinkOptions.APPLY_ORDER));
    }

    private static SinkDef redisSinkDef(String name, Configuration values, String path) {
        return new RedisSinkDef(
                name,
                values.get(RedisSinkOptions.MODE),
                values.get(RedisSinkOptions.URI_OPTION),
                values.getOptional(RedisSinkOptions.PASSWORD)
                        .map(raw -> secret(raw, Problems.child(path, RedisSinkOptions.PASSWORD.key())))
                        .orElse(null),
                values.get(RedisSinkOptions.KEY_PREFIX),
                values.get(RedisSinkOptions.FORMAT),
                values.getOptional(RedisSinkOptions.TTL).orElse(null),
                values.get(RedisSinkOptions.TOMBSTONE_RETENTION),
                values.get(RedisSinkOptions.BATCH_SIZE),
                values.get(RedisSinkOptions.FLUSH_INTERVAL),
                values.get(RedisSinkOptions.MAX_RETRIES),
                RedisSinkOptions.parseDurability(values.get(RedisSinkOptions.DURABILITY)).orElseThrow(),
                values.get(RedisSinkOptions.DURABILITY_TIMEOUT));
    }

    static DeadLetterQueueDef deadLetterQueueDef(Configuration values, String pipelineName) {
        return new DeadLetterQueueDef(
                values.get(DeadLetterQueueOptions.TYPE),
                values.getOptional(DeadLetterQueueOptions.URL).orElse(null),
                values.getOptional(DeadLetterQueueOptions.USERNAME).orElse(null),
                values.getOptional(DeadLetterQueueOptions.PASSWORD)
                        .map(raw -> secret(raw, Problems.child(PipelineConfigLoader.DEAD_LETTER_QUEUE, DeadLetterQueueOptions.PASSWORD.key())))
                        .orElse(null),
                values.get(DeadLetterQueueOptions.TABLE),
                values.get(DeadLetterQueueOptions.MAX_ATTEMPTS),
                values.get(DeadLetterQueueOptions.AFTER_REJECTION),
                values.getOptional(DeadLetterQueueOptions.TRANSIENT_ERRORS).orElse(List.of()),
                values.get(DeadLetterQueueOptions.TYPE) == DeadLetterQueueType.KAFKA
                        ? kafkaQueueDef(values, pipelineName)
                        : null);
    }

    private static KafkaQueueDef kafkaQueueDef(Configuration values, String pipelineName) {
        return new KafkaQueueDef(
                values.get(DeadLetterQueueOptions.BOOTSTRAP_SERVERS).replaceAll("\\s+", ""),
                values.getOptional(DeadLetterQueueOptions.TOPIC)
                        .orElseGet(() -> DeadLetterQueueOptions.defaultTopic(pipelineName)),
                values.get(DeadLetterQueueOptions.SECURITY_PROTOCOL),
                values.getOptional(DeadLetterQueueOptions.SASL_MECHANISM).orElse(null),
                values.getOptional(DeadLetterQueueOptions.SASL_USERNAME).orElse(null),
                values.getOptional(DeadLetterQueueOptions.SASL_PASSWORD)
                        .map(raw -> secret(raw,
                                Problems.child(PipelineConfigLoader.DEAD_LETTER_QUEUE, DeadLetterQueueOptions.SASL_PASSWORD.key())))
                        .orElse(null));
    }

    static CheckpointingDef checkpointingDef(Configuration values) {
        return new CheckpointingDef(
                values.get(CheckpointOptions.INTERVAL),
                values.get(CheckpointOptions.TIMEOUT),
                values.get(CheckpointOptions.MIN_PAUSE),
                values.get(CheckpointOptions.EXTERNALIZED_RETENTION),
                values.getOptional(CheckpointOptions.CHECKPOINTS_DIR)
                        .orElseGet(CheckpointOptions::defaultCheckpointsDir),
                values.getOptional(CheckpointOptions.SAVEPOINTS_DIR)
                        .orElseGet(CheckpointOptions::defaultSavepointsDir));
    }

    private static Secret secret(String raw, String where) {
        Secret secret = Secret.of(raw);
        if (secret.isLiteral()) {
            LOG.warn("{} is a literal value; use ${env:NAME} or ${file:/path} outside local development", where);
        }
        return secret;
    }
}
