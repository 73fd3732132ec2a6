package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.config.KafkaQueueDef;
import io.tidemark.pipeline.event.ChangeEvent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A dead-letter queue in a compacted Kafka topic, for teams whose operations already watch Kafka.
 * Each entry is one record keyed by its {@link DeadLetter#entryId()}, its value the entry as JSON
 * (with the change in Tidemark's event encoding, base64, for replay) and its headers the error
 * context in Kafka Connect's DLQ style ({@code tidemark.errors.*}), so tools that read Connect's
 * headers find the same things here.
 *
 * <p>A topic cannot refuse a duplicate the way a unique column does: a restored job produces the
 * entries its failed checkpoint had produced again, with the same key. Compaction keeps one record
 * per key, and {@link #list} and {@link #rowsWithPendingEntries} fold the records by key: the first
 * record of a key is the entry, later plain duplicates are ignored. A replay writes the entry again
 * with the header {@code tidemark.replayed} (and the result in the value), so compaction never drops
 * the entry itself; a purge writes a tombstone. Consumers other than Tidemark should dedupe by key.
 */
public final class KafkaDeadLetterQueue implements DeadLetterQueue {

    public static final String HEADER_PREFIX = "tidemark.errors.";
    public static final String HEADER_CLASS = HEADER_PREFIX + "class.name";
    public static final String HEADER_MESSAGE = HEADER_PREFIX + "exception.message";
    public static final String HEADER_ATTEMPTS = HEADER_PREFIX + "attempts";
    public static final String HEADER_PIPELINE = HEADER_PREFIX + "pipeline";
    public static final String HEADER_SINK = HEADER_PREFIX + "sink";
    public static final String HEADER_SOURCE_TABLE = HEADER_PREFIX + "source.table";
    public static final String HEADER_SINK_TABLE = HEADER_PREFIX + "sink.table";
    public static final String HEADER_POSITION = HEADER_PREFIX + "source.position";
    public static final String HEADER_OPERATION = HEADER_PREFIX + "operation";
    public static final String HEADER_KIND = HEADER_PREFIX + "kind";
    public static final String HEADER_FIRST_FAILURE = HEADER_PREFIX + "first.failure";
    public static final String HEADER_LAST_FAILURE = HEADER_PREFIX + "last.failure";
    /** On a replay marker: APPLIED or SKIPPED. */
    public static final String HEADER_REPLAYED = "tidemark.replayed";
    /** Marks a record that updates a pending entry's error after a replay that was rejected again. */
    public static final String HEADER_REPLAY_FAILURE = "tidemark.replay.failure";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_MESSAGE = 4000;

    private final KafkaQueueDef def;
    private KafkaProducer<String, byte[]> producer;
    /** Entries seen by the last read, by their {@link StoredDeadLetter#id()}, for markReplayed. */
    private final Map<Long, Folded> lastRead = new HashMap<>();
    /** The topic folded so far; opened on the first read. */
    private KafkaTopicFold topic;

    public KafkaDeadLetterQueue(KafkaQueueDef def) {
        this.def = def;
    }

    /** The settings every client of the queue shares: brokers and security. */
    private Properties common() {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, def.bootstrapServers());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, def.securityProtocol());
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, "tidemark-dlq");
        if (def.saslMechanism() != null) {
            String module = def.saslMechanism().equals("PLAIN")
                    ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            props.put(SaslConfigs.SASL_MECHANISM, def.saslMechanism());
            props.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasQuote(def.saslUsername())
                    + "\" password=\"" + jaasQuote(def.saslPassword().resolve()) + "\";");
        }
        return props;
    }

    private static String jaasQuote(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void prepare() throws IOException {
        Properties props = common();
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (Admin admin = Admin.create(props)) {
            NewTopic topic = new NewTopic(def.topic(), java.util.Optional.empty(), java.util.Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(topic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw failure("cannot create", e.getCause());
            }
        } catch (TimeoutException e) {
            throw failure("cannot create", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted creating", e);
        }
    }

    /** Produces one record per entry and waits until the brokers acknowledged them all. */
    @Override
    public void add(List<DeadLetter> letters) throws IOException {
        if (letters.isEmpty()) {
            return;
        }
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (DeadLetter letter : letters) {
            records.add(record(letter.entryId(), entryValue(letter, null, null), headers(letter, null)));
        }
        send(records);
    }

    @Override
    public Set<String> rowsWithPendingEntries(String pipeline, String sink) throws IOException {
        Set<String> rows = new HashSet<>();
        for (Folded entry : read().values()) {
            DeadLetter letter = entry.stored.letter();
            if (!entry.stored.isReplayed() && letter.pipeline().equals(pipeline) && letter.sink().equals(sink)) {
                rows.add(DeadLetterQueue.rowOf(letter.event().table().toString(), letter.rowKey()));
            }
        }
        return rows;
    }

    @Override
    public List<StoredDeadLetter> list(String pipeline, DeadLetterFilter filter) throws IOException {
        return matching(pipeline, filter).stream().map(Folded::stored).toList();
    }

    @Override
    public void markReplayed(long id, StoredDeadLetter.ReplayResult result) throws IOException {
        Folded entry = lastRead.get(id);
        if (entry == null) {
            entry = read().get(id);
        }
        if (entry == null) {
            throw new IOException("dead-letter topic " + def.topic() + " has no entry with id " + id);
        }
        Instant now = Instant.now();
        DeadLetter letter = entry.stored.letter();
        send(List.of(record(letter.entryId(), entryValue(letter, now, result), headers(letter, result))));
        lastRead.put(id, new Folded(entry.entryId, new StoredDeadLetter(id, letter, now, result)));
    }

    @Override
    public Optional<StoredDeadLetter> get(String pipeline, long id) throws IOException {
        Folded entry = read().get(id);
        if (entry == null || !entry.stored.letter().pipeline().equals(pipeline)) {
            return Optional.empty();
        }
        return Optional.of(entry.stored);
    }

    @Override
    public void recordReplayFailure(long id, String errorClass, String errorMessage, Instant at) throws IOException {
        Folded entry = lastRead.get(id);
        if (entry == null) {
            entry = read().get(id);
        }
        if (entry == null) {
            throw new IOException("dead-letter topic " + def.topic() + " has no entry with id " + id);
        }
        DeadLetter old = entry.stored.letter();
        DeadLetter updated = new DeadLetter(old.pipeline(), old.sink(), old.sinkTable(), old.event(), old.kind(),
                errorClass, errorMessage, old.attempts() + 1, old.firstFailure(), at);
        Headers headers = headers(updated, null);
        headers.add(HEADER_REPLAY_FAILURE, "true".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        send(List.of(record(updated.entryId(), entryValue(updated, null, null), headers)));
        lastRead.put(id, new Folded(entry.entryId, new StoredDeadLetter(id, updated, null, null)));
    }

    @Override
    public int purge(String pipeline, DeadLetterFilter filter) throws IOException {
        List<Folded> doomed = matching(pipeline, filter);
        List<ProducerRecord<String, byte[]>> tombstones = new ArrayList<>();
        for (Folded entry : doomed) {
            tombstones.add(record(entry.entryId, null, new RecordHeaders()));
            lastRead.remove(entry.stored.id());
        }
        send(tombstones);
        return doomed.size();
    }

    /** Records read from the topic since this queue was opened (each read adds only what is new). */
    synchronized long recordsRead() {
        return topic == null ? 0 : topic.recordsRead();
    }

    @Override
    public synchronized void close() {
        if (topic != null) {
            topic.close();
            topic = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
    }

    /** An entry as the topic's records fold to it, with the key it is stored under. */
    private record Folded(String entryId, StoredDeadLetter stored) {}

    private List<Folded> matching(String pipeline, DeadLetterFilter filter) throws IOException {
        List<Folded> found = new ArrayList<>();
        for (Folded entry : read().values()) {
            StoredDeadLetter stored = entry.stored;
            DeadLetter letter = stored.letter();
            boolean matches = letter.pipeline().equals(pipeline)
                    && filter.sink().map(letter.sink()::equals).orElse(true)
                    && filter.sourceTable().map(letter.event().table().toString()::equals).orElse(true)
                    && filter.rowKey().map(letter.rowKey()::equals).orElse(true)
                    && filter.errorClass().map(letter.errorClass()::equals).orElse(true)
                    && filter.from().map(from -> !letter.lastFailure().isBefore(from)).orElse(true)
                    && filter.to().map(to -> letter.lastFailure().isBefore(to)).orElse(true)
                    && (filter.includeReplayed() || !stored.isReplayed());
            if (matches) {
                found.add(entry);
            }
        }
        found.sort(Comparator.comparingLong((Folded f) -> f.stored.letter().event().position().value())
                .thenComparingLong(f -> f.stored.id()));
        return found;
    }

    /** Reads what was added to the topic since the last read (see {@link KafkaTopicFold}); the entries by id. */
    private synchronized Map<Long, Folded> read() throws IOException {
        if (topic == null) {
            Properties props = common();
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            topic = new KafkaTopicFold(props, def.topic(), TIMEOUT);
        }
        Map<String, StoredDeadLetter> entries;
        try {
            entries = topic.read();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw failure("cannot read", e);
        }
        lastRead.clear();
        entries.forEach((key, stored) -> lastRead.put(stored.id(), new Folded(key, stored)));
        return new HashMap<>(lastRead);
    }

    /** A short, stable id for the CLI: the first 60 bits of the entry id. */
    static long idOf(String entryId) {
        return Long.parseLong(entryId.substring(0, 15), 16);
    }

    private ProducerRecord<String, byte[]> record(String key, byte[] value, Headers headers) {
        return new ProducerRecord<>(def.topic(), null, key, value, headers);
    }

    private void send(List<ProducerRecord<String, byte[]>> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        try {
            KafkaProducer<String, byte[]> producer = producer();
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (ProducerRecord<String, byte[]> record : records) {
                acks.add(producer.send(record));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            close(); // a fresh producer next time: the idempotent one may be fenced or broken
            throw failure("cannot write to", e.getCause());
        } catch (TimeoutException | org.apache.kafka.common.KafkaException e) {
            close();
            throw failure("cannot write to", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted writing to", e);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties props = common();
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    private IOException failure(String what, Throwable cause) {
        return new IOException(what + " dead-letter topic " + def.topic() + ": " + cause.getMessage(), cause);
    }

    /** The entry as JSON: every field readable by people, the change also encoded for replay. */
    static byte[] entryValue(DeadLetter letter, Instant replayedAt, StoredDeadLetter.ReplayResult result) {
        ChangeEvent event = letter.event();
        ObjectNode node = DeadLetterEncoding.JSON.createObjectNode();
        node.put("entry_id", letter.entryId());
        node.put("pipeline", letter.pipeline());
        node.put("sink", letter.sink());
        node.put("source_table", event.table().toString());
        node.put("sink_table", letter.sinkTable());
        node.put("row_key", letter.rowKey());
        node.put("operation", event.operation().name());
        node.put("position", event.position().value());
        if (event.commitTimeMillis() > 0) {
            node.put("commit_time", Instant.ofEpochMilli(event.commitTimeMillis()).toString());
        } else {
            node.putNull("commit_time");
        }
        node.set("before", DeadLetterEncoding.rowNode(event, event.before()));
        node.set("after", DeadLetterEncoding.rowNode(event, event.after()));
        node.put("kind", letter.kind().name());
        node.put("error_class", letter.errorClass());
        node.put("error_message", DeadLetterEncoding.truncate(letter.errorMessage(), MAX_MESSAGE));
        node.put("attempts", letter.attempts());
        node.put("first_failure", letter.firstFailure().toString());
        node.put("last_failure", letter.lastFailure().toString());
        node.put("event", Base64.getEncoder().encodeToString(DeadLetterEncoding.encode(event)));
        if (replayedAt != null) {
            node.put("replayed_at", replayedAt.toString());
            node.put("replay_result", result.name());
        }
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static StoredDeadLetter parse(String key, byte[] value) throws IOException {
        JsonNode node = DeadLetterEncoding.JSON.readTree(value);
        ChangeEvent event = DeadLetterEncoding.decode(Base64.getDecoder().decode(node.path("event").asText()));
        DeadLetter letter = new DeadLetter(
                node.path("pipeline").asText(),
                node.path("sink").asText(),
                node.path("sink_table").asText(),
                event,
                DeadLetterKind.valueOf(node.path("kind").asText()),
                node.path("error_class").asText(),
                node.path("error_message").asText(),
                node.path("attempts").asInt(),
                Instant.parse(node.path("first_failure").asText()),
                Instant.parse(node.path("last_failure").asText()));
        JsonNode replayedAt = node.get("replayed_at");
        boolean replayed = replayedAt != null && !replayedAt.isNull();
        return new StoredDeadLetter(idOf(key), letter,
                replayed ? Instant.parse(replayedAt.asText()) : null,
                replayed ? StoredDeadLetter.ReplayResult.valueOf(node.path("replay_result").asText()) : null);
    }

    private static Headers headers(DeadLetter letter, StoredDeadLetter.ReplayResult replayed) {
        ChangeEvent event = letter.event();
        Headers headers = new RecordHeaders();
        add(headers, HEADER_PIPELINE, letter.pipeline());
        add(headers, HEADER_SINK, letter.sink());
        add(headers, HEADER_SOURCE_TABLE, event.table().toString());
        add(headers, HEADER_SINK_TABLE, letter.sinkTable());
        add(headers, HEADER_POSITION, Long.toString(event.position().value()));
        add(headers, HEADER_OPERATION, event.operation().name());
        add(headers, HEADER_KIND, letter.kind().name());
        add(headers, HEADER_CLASS, letter.errorClass());
        add(headers, HEADER_MESSAGE, DeadLetterEncoding.truncate(letter.errorMessage(), MAX_MESSAGE));
        add(headers, HEADER_ATTEMPTS, Integer.toString(letter.attempts()));
        add(headers, HEADER_FIRST_FAILURE, letter.firstFailure().toString());
        add(headers, HEADER_LAST_FAILURE, letter.lastFailure().toString());
        if (replayed != null) {
            add(headers, HEADER_REPLAYED, replayed.name());
        }
        return headers;
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A header's value as text, or null; for readers of the topic such as tests and tools. */
    public static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
