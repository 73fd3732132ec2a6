package io.tidemark.pipeline.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code pipeline.yaml} into a {@link PipelineDef}, checking the whole file against the option
 * declarations ({@link PipelineOptions}, {@link PostgresSourceOptions}, {@link MySqlSourceOptions}, {@link JdbcSinkOptions},
 * {@link RedisSinkOptions}, {@link RouteOptions}, {@link CheckpointOptions}) and reporting every problem at once.
 *
 * <p>Secret references are checked for shape only; they are resolved when the job connects.
 */
public final class PipelineConfigLoader {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineConfigLoader.class);

    static final String PIPELINE = "pipeline";
    static final String SOURCE = "source";
    static final String SINKS = "sinks";
    static final String ROUTES = "routes";
    static final String CHECKPOINTING = "checkpointing";
    static final String DEAD_LETTER_QUEUE = "dead-letter-queue";
    static final List<String> TOP_LEVEL_KEYS = List.of(PIPELINE, SOURCE, SINKS, ROUTES, DEAD_LETTER_QUEUE, CHECKPOINTING);

    /** Every section, in documentation order; {@code docs/configuration.md} is checked against it. */
    static final List<OptionSection> SECTIONS = List.of(
            PipelineOptions.SECTION,
            PostgresSourceOptions.SECTION,
            MySqlSourceOptions.SECTION,
            JdbcSinkOptions.SECTION,
            RedisSinkOptions.SECTION,
            RouteOptions.SECTION,
            DeadLetterQueueOptions.SECTION,
            CheckpointOptions.SECTION);

    private static final String TYPE_KEY = "type";
    private static final Map<String, OptionSection> SOURCE_TYPES =
            Map.of(PostgresSourceOptions.TYPE_NAME, PostgresSourceOptions.SECTION,
                    MySqlSourceOptions.TYPE_NAME, MySqlSourceOptions.SECTION);
    private static final Map<String, OptionSection> SINK_TYPES =
            Map.of(JdbcSinkOptions.TYPE_NAME, JdbcSinkOptions.SECTION,
                    RedisSinkOptions.TYPE_NAME, RedisSinkOptions.SECTION);

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The largest pipeline file read (1 MiB): the largest real one is a few KiB. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private PipelineConfigLoader() {}

    /** Reads and checks {@code file}. */
    public static PipelineDef load(Path file) throws ConfigException {
        if (!Files.exists(file)) {
            throw new ConfigException(List.of(file + ": no such file"));
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(List.of(file + ": not a regular file"));
        }
        String yaml;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                // a pipeline file is a few KiB; this one is something else (a dump, a log), and parsing it could take minutes
                throw new ConfigException(List.of(file + ": " + size + " bytes; a pipeline file is at most "
                        + MAX_FILE_BYTES + " bytes: is this the pipeline file?"));
            }
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read (" + e.getClass().getSimpleName() + ")"));
        }
        return parse(yaml, file.toString());
    }

    /**
     * Reads and checks {@code yaml}; {@code sourceName} names it in syntax errors (usually the file
     * name).
     */
    public static PipelineDef parse(String yaml, String sourceName) throws ConfigException {
        JsonNode root = readTree(yaml, sourceName);
        if (root.isMissingNode() || root.isNull()) {
            root = JsonNodeFactory.instance.objectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(List.of(sourceName + ": expected a mapping with the sections "
                    + String.join(", ", TOP_LEVEL_KEYS) + ", got " + ValueTypes.describe(root)));
        }
        return new Reading().read((ObjectNode) root);
    }

    private static JsonNode readTree(String yaml, String sourceName) throws ConfigException {
        try {
            JsonNode root = YAML.readTree(yaml);
            return root == null ? JsonNodeFactory.instance.missingNode() : root;
        } catch (JsonProcessingException e) {
            // Jackson wraps SnakeYAML's exception, whose marks point at the problem itself.
            if (e.getCause() instanceof MarkedYAMLException) {
                throw new ConfigException(List.of(describe((MarkedYAMLException) e.getCause(), sourceName)));
            }
            JsonLocation location = e.getLocation();
            String where = location == null || location.getLineNr() < 1
                    ? sourceName
                    : sourceName + ":" + location.getLineNr() + ":" + location.getColumnNr();
            String message = oneLine(e.getOriginalMessage().lines().findFirst().orElse("syntax error"));
            if (message.startsWith("Duplicate field ")) {
                message = "duplicate key " + message.substring("Duplicate field ".length()) + "; keep only one";
            } else {
                // Jackson quotes the scalar it could not read ("Malformed numeric value '...'" for a
                // !!float password): that may be the password itself, so it is not repeated
                message = "invalid YAML: " + message.replaceAll("\\s*'[^']{2,}'", "");
            }
            throw new ConfigException(List.of(where + ": " + message));
        }
    }

    /** One line: where, the problem, and where the construct it belongs to started. */
    private static String describe(MarkedYAMLException e, String sourceName) {
        Mark problemMark = e.getProblemMark();
        String where = problemMark == null
                ? sourceName
                : sourceName + ":" + (problemMark.getLine() + 1) + ":" + (problemMark.getColumn() + 1);
        String context = "";
        if (e.getContext() != null) {
            Mark contextMark = e.getContextMark();
            context = " (" + oneLine(e.getContext())
                    + (contextMark == null
                            ? ""
                            : " at line " + (contextMark.getLine() + 1) + ", column " + (contextMark.getColumn() + 1))
                    + ")";
        }
        return where + ": invalid YAML: " + oneLine(e.getProblem()) + context;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s+", " ");
    }

    /** A section chosen by its {@code type} key, read into a configuration. */
    private record Typed(String type, Configuration values) {}

    /** A sink entry; {@code name} is null if it is invalid, {@code typed} if the type is invalid. */
    private record SinkEntry(String name, Typed typed) {}

    /** One pass over one file; holds the problems and what was read so far. */
    private static final class Reading {

        private final Problems problems = new Problems();
        private final List<SinkEntry> sinks = new ArrayList<>();
        /** False when some sink has no valid name, so a route to an unknown name may still be fine. */
        private boolean sinkNamesComplete = true;

        PipelineDef read(ObjectNode root) throws ConfigException {
            Set<String> suggested = KeySuggestions.rejectUnknown(root, "", TOP_LEVEL_KEYS, problems);

            Optional<ObjectNode> pipelineNode = mapping(root, PIPELINE, true, suggested);
            Configuration pipeline = pipelineNode
                    .map(node -> PipelineOptions.SECTION.read(node, PIPELINE, problems))
                    .orElseGet(Configuration::new);
            String pipelineName = pipeline.get(PipelineOptions.NAME);

            Optional<ObjectNode> sourceNode = mapping(root, SOURCE, true, suggested);
            Optional<Typed> source = sourceNode.flatMap(node -> readTyped(node, SOURCE, SOURCE_TYPES));
            List<String> sourceTables = source.map(s -> s.values().get(PostgresSourceOptions.TABLES)).orElse(null);
            boolean postgres = source.isPresent() && source.get().type().equals(PostgresSourceOptions.TYPE_NAME);
            String slotName = postgres ? slotName(sourceNode.get(), source.get().values(), pipelineName) : null;
            if (source.isPresent() && source.get().type().equals(MySqlSourceOptions.TYPE_NAME)) {
                checkServerIds(source.get().values(), pipelineName, pipeline.get(PipelineOptions.PARALLELISM));
            }

            readSinks(root, suggested);
            List<RouteDef> routes = new RoutesReading(problems).read(root.get(ROUTES), suggested.contains(ROUTES),
                    sourceTables, sinks.stream().map(SinkEntry::name).toList(), sinkNamesComplete);

            Optional<ObjectNode> dlqNode = mapping(root, DEAD_LETTER_QUEUE, false, suggested);
            Configuration deadLetterQueue = dlqNode
                    .map(node -> DeadLetterQueueOptions.SECTION.read(node, DEAD_LETTER_QUEUE, problems))
                    .orElseGet(Configuration::new);
            DeadLetterQueueChecks queueChecks = new DeadLetterQueueChecks(problems);
            queueChecks.check(deadLetterQueue, dlqNode.orElse(null));
            queueChecks.checkRedisSinksHaveAQueue(deadLetterQueue, dlqNode.orElse(null), redisSinkPaths());

            Configuration checkpointing = mapping(root, CHECKPOINTING, false, suggested)
                    .map(node -> CheckpointOptions.SECTION.read(node, CHECKPOINTING, problems))
                    .orElseGet(Configuration::new);

            if (!problems.isEmpty()) {
                throw new ConfigException(problems.lines());
            }
            List<SinkDef> sinkDefs = new ArrayList<>();
            for (int i = 0; i < sinks.size(); i++) {
                SinkEntry sink = sinks.get(i);
                sinkDefs.add(ConfigDefs.sinkDef(sink.name(), sink.typed().type(), sink.typed().values(),
                        Problems.index(SINKS, i)));
            }
            return new PipelineDef(
                    pipelineName,
                    pipeline.get(PipelineOptions.PARALLELISM),
                    ConfigDefs.sourceDef(source.get().type(), source.get().values(), slotName),
                    sinkDefs,
                    routes,
                    ConfigDefs.checkpointingDef(checkpointing),
                    ConfigDefs.deadLetterQueueDef(deadLetterQueue, pipelineName));
        }

        /** The path (and name) of every Redis sink, such as {@code sinks[1] cache}. */
        private List<String> redisSinkPaths() {
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < sinks.size(); i++) {
                SinkEntry sink = sinks.get(i);
                if (sink.typed() != null && sink.typed().type().equals(RedisSinkOptions.TYPE_NAME)) {
                    paths.add(Problems.index(SINKS, i) + (sink.name() == null ? "" : " " + sink.name()));
                }
            }
            return paths;
        }

        /** The mapping under {@code key}, or empty (after reporting why, where that is a problem). */
        private Optional<ObjectNode> mapping(ObjectNode parent, String key, boolean required, Set<String> suggested) {
            JsonNode node = parent.get(key);
            if (node == null || node.isNull()) {
                if (required && !suggested.contains(key)) {
                    problems.add(key, "required");
                }
                return Optional.empty();
            }
            if (!node.isObject()) {
                problems.add(key, "expected a mapping, got " + ValueTypes.describe(node));
                return Optional.empty();
            }
            return Optional.of((ObjectNode) node);
        }

        /** Reads the {@code type} key, then the rest of {@code node} against that type's section. */
        private Optional<Typed> readTyped(ObjectNode node, String path, Map<String, OptionSection> types) {
            List<String> choices = types.keySet().stream().sorted().toList();
            String typePath = Problems.child(path, TYPE_KEY);
            JsonNode typeNode = node.get(TYPE_KEY);
            if (typeNode == null || typeNode.isNull()) {
                problems.add(typePath, OptionSection.requiredMessage(choices));
                return Optional.empty();
            }
            String type = ValueTypes.oneOf(choices).read(typeNode, typePath, problems);
            if (type == null) {
                return Optional.empty();
            }
            return Optional.of(new Typed(type, types.get(type).read(node, path, problems)));
        }

        /** Each parallel binlog reader needs its own server id: the range must cover the parallelism. */
        private void checkServerIds(Configuration source, String pipelineName, int parallelism) {
            Optional<String> ids = source.getOptional(MySqlSourceOptions.SERVER_ID);
            if (ids.isPresent()) {
                long count = MySqlSourceOptions.serverIdCount(ids.get());
                if (count < parallelism) {
                    problems.add(
                            Problems.child(SOURCE, MySqlSourceOptions.SERVER_ID.key()),
                            ids.get() + " has " + count + " id(s) but pipeline.parallelism is " + parallelism
                                    + "; give a range of at least " + parallelism + " ids, such as 5400-"
                                    + (5400 + parallelism - 1));
                }
            } else if (pipelineName != null) {
                source.set(MySqlSourceOptions.SERVER_ID, MySqlSourceOptions.defaultServerIds(pipelineName, parallelism));
            }
        }

        private String slotName(ObjectNode sourceNode, Configuration source, String pipelineName) {
            if (sourceNode.hasNonNull(PostgresSourceOptions.SLOT_NAME.key())) {
                return source.get(PostgresSourceOptions.SLOT_NAME);
            }
            if (pipelineName == null) {
                return null;
            }
            String slotName = PostgresSourceOptions.defaultSlotName(pipelineName);
            if (!ValueTypes.IDENTIFIER.matcher(slotName).matches()) {
                problems.add(
                        Problems.child(SOURCE, PostgresSourceOptions.SLOT_NAME.key()),
                        "the default " + slotName + " is longer than 63 characters; set it explicitly");
                return null;
            }
            return slotName;
        }

        private void readSinks(ObjectNode root, Set<String> suggested) {
            JsonNode node = root.get(SINKS);
            if (node == null || node.isNull()) {
                if (!suggested.contains(SINKS)) {
                    problems.add(SINKS, "required");
                }
                sinkNamesComplete = false;
                return;
            }
            if (!node.isArray()) {
                problems.add(SINKS, "expected a list of sinks, got " + ValueTypes.describe(node));
                sinkNamesComplete = false;
                return;
            }
            if (node.isEmpty()) {
                problems.add(SINKS, "expected at least one sink, got an empty list");
                return;
            }
            Map<String, Integer> firstIndex = new HashMap<>();
            for (int i = 0; i < node.size(); i++) {
                String path = Problems.index(SINKS, i);
                JsonNode item = node.get(i);
                if (!item.isObject()) {
                    problems.add(path, "expected a mapping, got " + ValueTypes.describe(item));
                    sinkNamesComplete = false;
                    continue;
                }
                ObjectNode sink = (ObjectNode) item;
                Optional<Typed> typed = readTyped(sink, path, SINK_TYPES);
                typed.filter(t -> t.type().equals(RedisSinkOptions.TYPE_NAME))
                        .ifPresent(redis -> checkRedisAddress(redis.values(), path));
                // every sink type declares "name" the same way, so the JDBC declaration reads any of them
                String name = typed.isPresent()
                        ? typed.get().values().get(JdbcSinkOptions.NAME)
                        : readAlone(JdbcSinkOptions.NAME_FIELD, sink, path);
                if (name == null) {
                    sinkNamesComplete = false;
                } else if (firstIndex.containsKey(name)) {
                    problems.add(
                            Problems.child(path, JdbcSinkOptions.NAME.key()),
                            "duplicate sink name " + name + ", also used by " + Problems.index(SINKS, firstIndex.get(name))
                                    + "; give each sink a unique name");
                    name = null;
                } else {
                    firstIndex.put(name, i);
                }
                sinks.add(new SinkEntry(name, typed.orElse(null)));
            }
        }

        /** The Redis sink's uri must fit its mode: one host unless cluster, no database but 0 in a cluster. */
        private void checkRedisAddress(Configuration values, String path) {
            values.getOptional(RedisSinkOptions.URI_OPTION)
                    .flatMap(uri -> RedisSinkOptions.addressProblem(values.get(RedisSinkOptions.MODE), uri))
                    .ifPresent(problem -> problems.add(Problems.child(path, RedisSinkOptions.URI_OPTION.key()), problem));
        }

        /** Reads one key of a mapping whose other keys cannot be checked (its type is unknown). */
        private String readAlone(OptionField<String> field, ObjectNode node, String path) {
            Configuration values = new Configuration();
            OptionSection.readField(field, node, path, values, problems, Set.of());
            return values.get(field.option());
        }


    }
}
