package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
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

    public static final ConfigOption<RedisSinkMode> MODE =
            ConfigOptions.key("mode")
                    .enumType(RedisSinkMode.class)
                    .defaultValue(RedisSinkMode.STANDALONE)
                    .withDescription(
                            "standalone writes to the one server at uri; cluster writes to a Redis Cluster, whose"
                                    + " nodes are discovered from the seed nodes in uri and followed through failovers"
                                    + " and resharding.");

    public static final ConfigOption<String> URI_OPTION =
            ConfigOptions.key("uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Address of the Redis server as redis://host:port (rediss:// for TLS); with mode:"
                                    + " cluster, one or more seed nodes as redis://host1:port1,host2:port2. It must"
                                    + " not contain credentials; use password.");

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
                                    + " 0 disables retries. The default waits about 26 s in all, enough for a"
                                    + " cluster failover with a node timeout of a few seconds.");

    public static final ConfigOption<String> DURABILITY =
            ConfigOptions.key("durability")
                    .stringType()
                    .defaultValue("none")
                    .withDescription(
                            "What a batch waits for before the writer counts it as written, and so before a"
                                    + " checkpoint can cover it: none (the master's acknowledgement; a crash or"
                                    + " failover can lose the last writes), replicas N (WAIT: at least N replicas of"
                                    + " every master have it), aof (fsynced to the master's append-only file:"
                                    + " WAITAOF on Redis 7.2 or later, otherwise the server must run appendfsync"
                                    + " always). A batch not confirmed within durability-timeout is retried like a"
                                    + " transient error. See docs/redis-sink.md for what each costs.");

    public static final ConfigOption<Duration> DURABILITY_TIMEOUT =
            ConfigOptions.key("durability-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "How long one attempt waits for the replicas or the fsync that durability asks for"
                                    + " before the batch is retried (up to max-retries times, then the job fails).");

    static final OptionSection SECTION = OptionSection.of(
            "sinks[] (type: redis)",
            required(NAME, ValueTypes.name()),
            required(TYPE, ValueTypes.oneOf(List.of(TYPE_NAME))),
            withDefault(MODE, ValueTypes.enumOf(RedisSinkMode.class)),
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
            withDefault(MAX_RETRIES, ValueTypes.integer(0, 100)),
            withDefault(DURABILITY, durability()),
            withDefault(DURABILITY_TIMEOUT, ValueTypes.duration(false)));

    private RedisSinkOptions() {}

    /**
     * {@code scheme://authority[/database][?query]}; the authority is one {@code host:port} or several,
     * comma-separated (Lettuce's syntax for cluster seed nodes).
     */
    private static final Pattern URI_SHAPE =
            Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(/[^?#]*)?(\\?[^#]*)?(#.*)?");
    private static final Pattern DATABASE_PATH = Pattern.compile("/?([0-9]{1,9})?");

    /**
     * redis:// or rediss:// with one or more comma-separated host:port pairs; never echoed, as a wrong
     * one may hold a password. Whether several hosts are allowed depends on {@link #MODE}: see
     * {@link #addressProblem}.
     */
    static ValueType<String> redisUri() {
        return new ValueType<>() {
            @Override
            public String description() {
                return "URI: redis://host:port or rediss://host:port; comma-separated host:port pairs for mode: cluster";
            }

            @Override
            public String read(JsonNode node, String path, Problems problems) {
                if (!node.isValueNode() || node.asText().isBlank()) {
                    problems.add(path, "expected a URI such as redis://localhost:6379, got " + ValueTypes.describe(node));
                    return null;
                }
                String text = node.asText().trim();
                Matcher shape = URI_SHAPE.matcher(text);
                if (!shape.matches()) {
                    problems.add(path, "expected a URI starting with redis:// or rediss://");
                    return null;
                }
                String scheme = shape.group(1);
                String authority = shape.group(2);
                String query = shape.group(4);
                if (authority.contains("@")) {
                    problems.add(path, "must not contain credentials; put the password in "
                            + Problems.sibling(path, PASSWORD.key()));
                    return null;
                }
                if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
                    problems.add(path, "expected a URI starting with redis:// or rediss://");
                    return null;
                }
                for (String hostAndPort : authority.split(",", -1)) {
                    if (!isHostAndPort(scheme, hostAndPort)) {
                        problems.add(path, "expected redis://host:port with a port in 1..65535"
                                + (authority.contains(",") ? " for each comma-separated host" : ""));
                        return null;
                    }
                }
                if (query != null && query.toLowerCase(Locale.ROOT).contains("password")) {
                    problems.add(path, "must not contain a password parameter; put the password in "
                            + Problems.sibling(path, PASSWORD.key()));
                    return null;
                }
                return text;
            }
        };
    }

    private static final Pattern REPLICAS = Pattern.compile("replicas\\s+([0-9]{1,3})");

    /** {@code none}, {@code aof} or {@code replicas N}, case-insensitive; the canonical spelling is stored. */
    static ValueType<String> durability() {
        String expected = "none, aof or \"replicas N\" (N >= 1)";
        return new ValueType<>() {
            @Override
            public String description() {
                return "one of: none, aof, replicas N";
            }

            @Override
            public String read(JsonNode node, String path, Problems problems) {
                Optional<RedisDurability> durability = node.isValueNode()
                        ? parseDurability(node.asText())
                        : Optional.empty();
                if (durability.isEmpty()) {
                    problems.add(path, "expected " + expected + ", got " + ValueTypes.describe(node));
                    return null;
                }
                return durability.get().toString();
            }
        };
    }

    /** The durability a value accepted by {@link #durability()} stands for. */
    static Optional<RedisDurability> parseDurability(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("none")) {
            return Optional.of(RedisDurability.none());
        }
        if (value.equals("aof")) {
            return Optional.of(RedisDurability.aof());
        }
        Matcher replicas = REPLICAS.matcher(value);
        if (replicas.matches()) {
            int count = Integer.parseInt(replicas.group(1));
            if (count >= 1 && count <= RedisDurability.MAX_REPLICAS) {
                return Optional.of(RedisDurability.replicas(count));
            }
        }
        return Optional.empty();
    }

    private static boolean isHostAndPort(String scheme, String hostAndPort) {
        try {
            URI uri = new URI(scheme + "://" + hostAndPort);
            return uri.getHost() != null && uri.getPort() >= 1 && uri.getPort() <= 65535
                    && uri.getRawUserInfo() == null && uri.getRawPath().isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** The host:port pairs of a URI accepted by {@link #redisUri()}. */
    static List<String> hosts(String uri) {
        Matcher shape = URI_SHAPE.matcher(uri);
        if (!shape.matches()) {
            throw new IllegalArgumentException("not a Redis URI");
        }
        return Arrays.asList(shape.group(2).split(","));
    }

    /**
     * Why {@code uri} does not fit {@code mode}, or empty: several hosts need {@code mode: cluster}, and
     * a Redis Cluster has only database 0.
     */
    static Optional<String> addressProblem(RedisSinkMode mode, String uri) {
        Matcher shape = URI_SHAPE.matcher(uri);
        if (!shape.matches()) {
            return Optional.empty(); // reported by redisUri()
        }
        int hosts = hosts(uri).size();
        if (mode == RedisSinkMode.STANDALONE && hosts > 1) {
            return Optional.of("lists " + hosts + " hosts, but " + MODE.key() + " is " + mode
                    + "; set " + MODE.key() + ": " + RedisSinkMode.CLUSTER + " for a Redis Cluster, or give one host");
        }
        Matcher database = DATABASE_PATH.matcher(shape.group(3) == null ? "" : shape.group(3));
        if (!database.matches()) {
            return Optional.of("expected nothing or a database number after host:port, such as redis://localhost:6379/0");
        }
        if (mode == RedisSinkMode.CLUSTER && database.group(1) != null && Integer.parseInt(database.group(1)) != 0) {
            return Optional.of("selects database " + Integer.parseInt(database.group(1))
                    + ", but a Redis Cluster has only database 0; remove /" + database.group(1));
        }
        return Optional.empty();
    }
}
