package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static io.tidemark.pipeline.config.OptionField.derived;
import static io.tidemark.pipeline.config.OptionField.required;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of one entry of the {@code sinks} list when {@code type: redis}. */
public final class RedisSinkOptions {

    /** The value of {@link #TYPE} that selects this sink. */
    public static final String TYPE_NAME = "redis";

    /** Braces would change the cluster hash tag, ':' the key layout; see docs/redis-sink.md. */
    static final Pattern KEY_PREFIX_PATTERN = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public static final ConfigOption<String> NAME =
            ConfigOptions.key("name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Name of the sink, unique in the file; routes refer to it.");

    public static final ConfigOption<String> TYPE =
            ConfigOptions.key("type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kind of sink: redis.");

    public static final ConfigOption<String> URI_OPTION =
            ConfigOptions.key("uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Address of the Redis server as redis://host:port (rediss:// for TLS). It must not"
                                    + " contain credentials; use password.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Password (AUTH) of the server, as ${env:NAME} or ${file:/absolute/path}; resolved"
                                    + " when the job connects. A literal value is accepted for local use only.");

    public static final ConfigOption<String> KEY_PREFIX =
            ConfigOptions.key("key-prefix")
                    .stringType()
                    .defaultValue("tidemark")
                    .withDescription("First part of every key: {key-prefix}:{schema.table}:{primary key}.");

    public static final ConfigOption<RedisValueFormat> FORMAT =
            ConfigOptions.key("format")
                    .enumType(RedisValueFormat.class)
                    .defaultValue(RedisValueFormat.HASH)
                    .withDescription(
                            "hash stores a row as a hash with one field per non-null column; json stores it"
                                    + " as one JSON object in a string.");

    public static final ConfigOption<Duration> TTL =
            ConfigOptions.key("ttl")
                    .durationType()
                    .noDefaultValue()
                    .withDescription("Expiry set on a row's key each time the row is written.");

    public static final ConfigOption<Duration> TOMBSTONE_RETENTION =
            ConfigOptions.key("tombstone-retention")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long the sink remembers a deleted row (its tombstone key), so that an older"
                                    + " change arriving late cannot bring the row back.");

    public static final ConfigOption<Integer> BATCH_SIZE =
            ConfigOptions.key("batch-size")
                    .intType()
                    .defaultValue(1000)
                    .withDescription("Maximum number of rows written in one pipelined batch.");

    public static final ConfigOption<Duration> FLUSH_INTERVAL =
            ConfigOptions.key("flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDescription("Longest time a row waits in an incomplete batch before it is written.");

    public static final ConfigOption<Integer> MAX_RETRIES =
            ConfigOptions.key("max-retries")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Retries of a batch after a transient error (connection lost, LOADING, TRYAGAIN,"
                                    + " CLUSTERDOWN, timeout), with exponential backoff, before the job fails;"
                                    + " 0 disables retries.");

    static final OptionSection SECTION = OptionSection.of(
            "sinks[] (type: redis)",
            required(NAME, ValueTypes.name()),
            required(TYPE, ValueTypes.oneOf(List.of(TYPE_NAME))),
            required(URI_OPTION, redisUri()),
            derived(PASSWORD, ValueTypes.secretReference(), "none"),
            withDefault(KEY_PREFIX, ValueTypes.matching(
                    KEY_PREFIX_PATTERN,
                    "1 to 64 letters, digits, '_', '.' or '-'",
                    "string: 1 to 64 letters, digits, '_', '.' or '-'")),
            withDefault(FORMAT, ValueTypes.enumOf(RedisValueFormat.class)),
            derived(TTL, ValueTypes.duration(false), "none (keys do not expire)"),
            withDefault(TOMBSTONE_RETENTION, ValueTypes.duration(false)),
            withDefault(BATCH_SIZE, ValueTypes.integer(1, 100_000)),
            withDefault(FLUSH_INTERVAL, ValueTypes.duration(false)),
            withDefault(MAX_RETRIES, ValueTypes.integer(0, 100)));

    private RedisSinkOptions() {}

    /** redis:// or rediss:// with a host and a port; never echoed, as a wrong one may hold a password. */
    static ValueType<String> redisUri() {
        return new ValueType<>() {
            @Override
            public String description() {
                return "URI: redis://host:port or rediss://host:port";
            }

            @Override
            public String read(JsonNode node, String path, Problems problems) {
                if (!node.isValueNode() || node.asText().isBlank()) {
                    problems.add(path, "expected a URI such as redis://localhost:6379, got " + ValueTypes.describe(node));
                    return null;
                }
                String text = node.asText().trim();
                URI uri;
                try {
                    uri = new URI(text);
                } catch (URISyntaxException e) {
                    problems.add(path, "expected a URI such as redis://localhost:6379, got an invalid URI");
                    return null;
                }
                if (uri.getRawUserInfo() != null) {
                    problems.add(path, "must not contain credentials; put the password in "
                            + Problems.sibling(path, PASSWORD.key()));
                    return null;
                }
                if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
                    problems.add(path, "expected a URI starting with redis:// or rediss://");
                    return null;
                }
                if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
                    problems.add(path, "expected redis://host:port with a port in 1..65535");
                    return null;
                }
                if (uri.getRawQuery() != null && uri.getRawQuery().toLowerCase(java.util.Locale.ROOT).contains("password")) {
                    problems.add(path, "must not contain a password parameter; put the password in "
                            + Problems.sibling(path, PASSWORD.key()));
                    return null;
                }
                return text;
            }
        };
    }
}
