package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.util.List;
import java.util.regex.Pattern;

import static io.tidemark.pipeline.config.OptionField.derived;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of the optional {@code dead-letter-queue} section. */
public final class DeadLetterQueueOptions {

    static final Pattern TABLE_PATTERN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");

    public static final ConfigOption<DeadLetterQueueType> TYPE =
            ConfigOptions.key("type")
                    .enumType(DeadLetterQueueType.class)
                    .defaultValue(DeadLetterQueueType.JDBC)
                    .withDescription(
                            "jdbc keeps rejected changes in a table; kafka in a compacted Kafka topic; none"
                                    + " fails the job on a rejected change instead.");

    public static final ConfigOption<String> URL =
            ConfigOptions.key("url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JDBC URL of the database that holds the queue table. Without it, each JDBC sink"
                                    + " keeps its rejected changes in its own database. It must not contain"
                                    + " credentials.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("User for url; required with url.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Password for url, as ${env:NAME} or ${file:/absolute/path}; required with url.");

    public static final ConfigOption<String> TABLE =
            ConfigOptions.key("table")
                    .stringType()
                    .defaultValue("_tidemark_dlq")
                    .withDescription("Table of the queue, created when the job starts if it is missing.");

    public static final ConfigOption<Integer> MAX_ATTEMPTS =
            ConfigOptions.key("max-attempts")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Times a change the sink rejects with a permanent error is tried before it goes to"
                                    + " the queue. Transient errors never send a change to the queue.");

    public static final ConfigOption<DeadLetterPolicy> AFTER_REJECTION =
            ConfigOptions.key("after-rejection")
                    .enumType(DeadLetterPolicy.class)
                    .defaultValue(DeadLetterPolicy.PARK)
                    .withDescription(
                            "What happens to a row's later changes once one of its changes is in the queue:"
                                    + " park queues them behind it (a replay applies them in order); continue"
                                    + " applies them.");

    public static final ConfigOption<List<String>> TRANSIENT_ERRORS =
            ConfigOptions.key("transient-errors")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "SQLSTATEs or vendor error codes that count as transient (retried with backoff,"
                                    + " never queued) besides the sink dialect's own: connection errors,"
                                    + " deadlocks, serialization failures, timeouts.");

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kafka brokers to connect to, as host:port[,host:port...]; required with"
                            + " type kafka.");

    public static final ConfigOption<String> TOPIC =
            ConfigOptions.key("topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Topic of the queue (type kafka), created with cleanup.policy=compact when the job"
                                    + " starts if it is missing.");

    public static final ConfigOption<String> SECURITY_PROTOCOL =
            ConfigOptions.key("security-protocol")
                    .stringType()
                    .defaultValue("PLAINTEXT")
                    .withDescription("Kafka security.protocol for the queue's clients (type kafka).");

    public static final ConfigOption<String> SASL_MECHANISM =
            ConfigOptions.key("sasl-mechanism")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka sasl.mechanism (type kafka, with a SASL security-protocol); needs"
                                    + " sasl-username and sasl-password.");

    public static final ConfigOption<String> SASL_USERNAME =
            ConfigOptions.key("sasl-username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("SASL user of the queue's Kafka clients; required with sasl-mechanism.");

    public static final ConfigOption<String> SASL_PASSWORD =
            ConfigOptions.key("sasl-password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "SASL password, as ${env:NAME} or ${file:/absolute/path}; required with"
                                    + " sasl-mechanism.");

    static final List<String> SECURITY_PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    static final Pattern BOOTSTRAP_SERVERS_PATTERN =
            Pattern.compile("[A-Za-z0-9._-]+:[0-9]{1,5}(\\s*,\\s*[A-Za-z0-9._-]+:[0-9]{1,5})*");
    static final Pattern TOPIC_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    /** The topic a pipeline's queue uses when {@code topic} is not set. */
    public static String defaultTopic(String pipeline) {
        return "tidemark-dlq-" + pipeline;
    }

    static final OptionSection SECTION = OptionSection.of(
            "dead-letter-queue",
            withDefault(TYPE, ValueTypes.enumOf(DeadLetterQueueType.class)),
            derived(URL, ValueTypes.jdbcUrl(), "each JDBC sink's own database"),
            derived(USERNAME, ValueTypes.string(), "none"),
            derived(PASSWORD, ValueTypes.secretReference(), "none"),
            withDefault(TABLE, ValueTypes.matching(TABLE_PATTERN, "a table name, optionally schema.table",
                    "string: a table name, optionally schema.table")),
            withDefault(MAX_ATTEMPTS, ValueTypes.integer(1, 100)),
            withDefault(AFTER_REJECTION, ValueTypes.enumOf(DeadLetterPolicy.class)),
            derived(TRANSIENT_ERRORS, ValueTypes.errorCodes(), "none"),
            derived(BOOTSTRAP_SERVERS, ValueTypes.matching(BOOTSTRAP_SERVERS_PATTERN, "host:port[,host:port...]",
                    "string: host:port[,host:port...]"), "required with type kafka"),
            derived(TOPIC, ValueTypes.matching(TOPIC_PATTERN, "a Kafka topic name (letters, digits, '.', '_', '-')",
                    "string: a Kafka topic name"), "tidemark-dlq-<pipeline.name>"),
            withDefault(SECURITY_PROTOCOL, ValueTypes.oneOf(SECURITY_PROTOCOLS)),
            derived(SASL_MECHANISM, ValueTypes.oneOf(SASL_MECHANISMS), "none"),
            derived(SASL_USERNAME, ValueTypes.string(), "none"),
            derived(SASL_PASSWORD, ValueTypes.secretReference(), "none"));

    private DeadLetterQueueOptions() {}
}
