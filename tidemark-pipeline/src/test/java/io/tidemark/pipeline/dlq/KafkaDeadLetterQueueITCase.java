package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.config.KafkaQueueDef;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka dead-letter queue against a real KRaft broker in this JVM: what add writes (key, JSON
 * value, headers), that list and the pending rows fold duplicates and replay markers by key, and
 * that purge writes tombstones.
 */
class KafkaDeadLetterQueueITCase {

    private static final TableId ITEMS = new TableId("public", "items");
    private static final TableId ORDERS = new TableId("public", "orders");
    private static final String[] COLUMNS = {"id", "name", "v"};
    private static final Instant FIRST = Instant.parse("2025-01-02T03:04:05.123Z");
    private static final Instant LAST = Instant.parse("2025-01-02T03:04:09.456Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafka kafka;

    private String topic;
    private KafkaDeadLetterQueue queue;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(3);
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void openQueue(TestInfo test) throws Exception {
        topic = "dlq-" + test.getTestMethod().orElseThrow().getName();
        queue = new KafkaDeadLetterQueue(KafkaQueueDef.plaintext(kafka.bootstrapServers(), topic));
        queue.prepare();
    }

    @AfterEach
    void closeQueue() throws Exception {
        queue.close();
    }

    @Test
    void prepareCreatesACompactedTopicOnceAndAnEmptyTopicListsNothing() throws Exception {
        queue.prepare(); // a second start finds the topic there

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
        assertThat(queue.list("shop", DeadLetterFilter.all())).isEmpty();
        assertThat(queue.rowsWithPendingEntries("shop", "warehouse")).isEmpty();
    }

    @Test
    void repeatedReadsTakeOnlyTheRecordsAddedSinceTheLastOne() throws Exception {
        List<DeadLetter> letters = new java.util.ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            letters.add(letter(upsert(ITEMS, i, "x", 2000 + i), DeadLetterKind.REJECTED));
        }
        queue.add(letters);
        assertThat(queue.rowsWithPendingEntries("shop", "warehouse")).hasSize(50);
        long afterFirst = queue.recordsRead();
        assertThat(afterFirst).isEqualTo(50);

        // what a writer does for every batch that touches a parked row
        for (int batch = 0; batch < 20; batch++) {
            assertThat(queue.rowsWithPendingEntries("shop", "warehouse")).hasSize(50);
        }
        assertThat(queue.recordsRead()).as("nothing read again").isEqualTo(afterFirst);

        queue.markReplayed(queue.list("shop", DeadLetterFilter.pending()).get(0).id(), StoredDeadLetter.ReplayResult.APPLIED);
        queue.add(List.of(letter(upsert(ITEMS, 51, "x", 3000), DeadLetterKind.REJECTED)));
        assertThat(queue.rowsWithPendingEntries("shop", "warehouse")).hasSize(50);
        assertThat(queue.recordsRead()).as("the marker and the new entry only").isEqualTo(afterFirst + 2);
    }

    @Test
    void addWritesOneRecordPerEntryKeyedByEntryIdWithJsonValueAndErrorHeaders() throws Exception {
        DeadLetter rejected = letter(upsert(ITEMS, 1, "x".repeat(40), 2000), DeadLetterKind.REJECTED);
        DeadLetter deleted = letter(delete(ORDERS, 7, 2100), DeadLetterKind.PARKED);

        queue.add(List.of(rejected, deleted));

        List<ConsumerRecord<String, byte[]>> records = records();
        assertThat(records).extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrder(rejected.entryId(), deleted.entryId());
        ConsumerRecord<String, byte[]> record = records.stream()
                .filter(r -> r.key().equals(rejected.entryId())).findFirst().orElseThrow();
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.class.name"))
                .isEqualTo("org.postgresql.util.PSQLException");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.exception.message"))
                .isEqualTo("value too long for type character varying(20)");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.attempts")).isEqualTo("3");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.source.table")).isEqualTo("public.items");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.sink.table")).isEqualTo("public.items_copy");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.source.position")).isEqualTo("2000");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.errors.pipeline")).isEqualTo("shop");
        assertThat(KafkaDeadLetterQueue.header(record.headers(), "tidemark.replayed")).isNull();

        JsonNode value = JSON.readTree(new String(record.value(), StandardCharsets.UTF_8));
        assertThat(value.get("entry_id").asText()).isEqualTo(rejected.entryId());
        assertThat(value.get("pipeline").asText()).isEqualTo("shop");
        assertThat(value.get("sink").asText()).isEqualTo("warehouse");
        assertThat(value.get("source_table").asText()).isEqualTo("public.items");
        assertThat(value.get("sink_table").asText()).isEqualTo("public.items_copy");
        assertThat(value.get("row_key").asText()).isEqualTo(rejected.rowKey());
        assertThat(value.get("operation").asText()).isEqualTo("INSERT");
        assertThat(value.get("position").asLong()).isEqualTo(2000);
        assertThat(value.get("commit_time").asText()).isEqualTo("2025-01-02T03:00:00Z");
        assertThat(value.get("before").isNull()).isTrue();
        assertThat(value.get("after").get("name").asText()).isEqualTo("x".repeat(40));
        assertThat(value.get("after").get("v").asInt()).isEqualTo(2000);
        assertThat(value.get("kind").asText()).isEqualTo("REJECTED");
        assertThat(value.get("attempts").asInt()).isEqualTo(3);
        assertThat(value.get("first_failure").asText()).isEqualTo(FIRST.toString());
        assertThat(value.get("last_failure").asText()).isEqualTo(LAST.toString());
        assertThat(value.get("event").asText()).isNotEmpty();

        List<StoredDeadLetter> listed = queue.list("shop", DeadLetterFilter.all());
        assertThat(listed).extracting(StoredDeadLetter::letter).containsExactly(rejected, deleted);
        assertThat(listed.get(1).letter().event().before()).containsExactly(7L, null, null);
        assertThat(listed).noneMatch(StoredDeadLetter::isReplayed);
        assertThat(listed.get(0).id()).isNotEqualTo(listed.get(1).id());
    }

    @Test
    void entriesProducedAgainAfterARestoreAreListedOnce() throws Exception {
        List<DeadLetter> letters = List.of(
                letter(upsert(ITEMS, 1, "a", 1000), DeadLetterKind.REJECTED),
                letter(upsert(ITEMS, 1, "b", 1001), DeadLetterKind.PARKED),
                letter(upsert(ITEMS, 2, "c", 1002), DeadLetterKind.REJECTED));

        queue.add(letters);
        queue.add(letters); // a restored job writes what its failed checkpoint had written
        queue.add(letters.subList(1, 2));

        assertThat(records()).hasSize(7);
        assertThat(queue.list("shop", DeadLetterFilter.all())).extracting(StoredDeadLetter::letter)
                .containsExactlyElementsOf(letters);
        assertThat(queue.rowsWithPendingEntries("shop", "warehouse"))
                .containsExactlyInAnyOrder("public.items " + letters.get(0).rowKey(), "public.items " + letters.get(2).rowKey());
    }

    @Test
    void markReplayedWritesAMarkerThatListAndPendingRowsFoldIn() throws Exception {
        DeadLetter first = letter(upsert(ITEMS, 1, "a", 1000), DeadLetterKind.REJECTED);
        DeadLetter second = letter(upsert(ITEMS, 2, "b", 1001), DeadLetterKind.REJECTED);
        queue.add(List.of(first, second));
        List<StoredDeadLetter> pending = queue.list("shop", DeadLetterFilter.pending());

        queue.markReplayed(pending.get(0).id(), StoredDeadLetter.ReplayResult.APPLIED);
        queue.add(List.of(first)); // a late duplicate does not make a replayed entry pending again

        try (KafkaDeadLetterQueue other = new KafkaDeadLetterQueue(KafkaQueueDef.plaintext(kafka.bootstrapServers(), topic))) {
            assertThat(other.list("shop", DeadLetterFilter.pending())).extracting(StoredDeadLetter::letter)
                    .containsExactly(second);
            List<StoredDeadLetter> all = other.list("shop", DeadLetterFilter.all());
            assertThat(all).hasSize(2);
            assertThat(all.get(0).letter()).isEqualTo(first);
            assertThat(all.get(0).replayResult()).isEqualTo(StoredDeadLetter.ReplayResult.APPLIED);
            assertThat(all.get(0).replayedAt()).isNotNull();
            assertThat(other.rowsWithPendingEntries("shop", "warehouse"))
                    .containsExactly("public.items " + second.rowKey());
            assertThat(other.tally("shop", "warehouse")).as("what the pending/replayed gauges report").containsExactly(
                    new DeadLetterTally("public.items", "org.postgresql.util.PSQLException", 1, 1));

            other.markReplayed(all.get(1).id(), StoredDeadLetter.ReplayResult.SKIPPED); // id from its own read
        }
        assertThat(queue.list("shop", DeadLetterFilter.all())).extracting(StoredDeadLetter::replayResult)
                .containsExactly(StoredDeadLetter.ReplayResult.APPLIED, StoredDeadLetter.ReplayResult.SKIPPED);
        assertThat(records()).filteredOn(r -> r.key().equals(first.entryId()))
                .extracting(r -> KafkaDeadLetterQueue.header(r.headers(), "tidemark.replayed"))
                .containsExactly(null, "APPLIED", null);
    }

    @Test
    void purgeWritesTombstonesForTheMatchingEntriesOnly() throws Exception {
        DeadLetter item = letter(upsert(ITEMS, 1, "a", 1000), DeadLetterKind.REJECTED);
        DeadLetter order = letter(upsert(ORDERS, 1, "b", 1001), DeadLetterKind.REJECTED);
        DeadLetter otherPipeline = new DeadLetter("billing", "warehouse", "public.orders_copy",
                upsert(ORDERS, 2, "c", 1002), DeadLetterKind.REJECTED, "E", "m", 1, FIRST, LAST);
        queue.add(List.of(item, order, otherPipeline));
        DeadLetterFilter orders = new DeadLetterFilter(Optional.empty(), Optional.of("public.orders"), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), true);

        assertThat(queue.purge("shop", orders)).isEqualTo(1);

        assertThat(queue.list("shop", DeadLetterFilter.all())).extracting(StoredDeadLetter::letter).containsExactly(item);
        assertThat(queue.list("billing", DeadLetterFilter.all())).extracting(StoredDeadLetter::letter)
                .containsExactly(otherPipeline);
        assertThat(records()).filteredOn(r -> r.key().equals(order.entryId()))
                .extracting(r -> r.value() == null).containsExactly(false, true);
        assertThat(queue.purge("shop", DeadLetterFilter.all())).isEqualTo(1);
        assertThat(queue.list("shop", DeadLetterFilter.all())).isEmpty();
    }

    @Test
    void listFiltersBySinkKeyErrorClassAndTimeAndOrdersByPosition() throws Exception {
        DeadLetter late = letter(upsert(ITEMS, 3, "c", 3000), DeadLetterKind.REJECTED);
        DeadLetter early = letter(upsert(ITEMS, 4, "d", 1000), DeadLetterKind.REJECTED);
        DeadLetter elsewhere = new DeadLetter("shop", "archive", "public.items", upsert(ITEMS, 5, "e", 2000),
                DeadLetterKind.REJECTED, "java.sql.SQLDataException", "bad", 1, FIRST, FIRST);
        queue.add(List.of(late, early, elsewhere));

        assertThat(queue.list("shop", DeadLetterFilter.all())).extracting(StoredDeadLetter::letter)
                .containsExactly(early, elsewhere, late);
        assertThat(queue.list("shop", DeadLetterFilter.all().withSink("archive"))).extracting(StoredDeadLetter::letter)
                .containsExactly(elsewhere);
        DeadLetterFilter byClass = new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("java.sql.SQLDataException"), Optional.empty(), Optional.empty(), true);
        assertThat(queue.list("shop", byClass)).extracting(StoredDeadLetter::letter).containsExactly(elsewhere);
        DeadLetterFilter byKey = new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.of(late.rowKey()),
                Optional.empty(), Optional.empty(), Optional.empty(), true);
        assertThat(queue.list("shop", byKey)).extracting(StoredDeadLetter::letter).containsExactly(late);
        DeadLetterFilter afterFirst = new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(FIRST.plusMillis(1)), Optional.empty(), true);
        assertThat(queue.list("shop", afterFirst)).extracting(StoredDeadLetter::letter).containsExactly(early, late);
        assertThat(queue.rowsWithPendingEntries("shop", "archive")).containsExactly("public.items " + elsewhere.rowKey());
        assertThat(queue.list("nobody", DeadLetterFilter.all())).isEmpty();
    }

    /** Every record of the topic, in offset order per partition, duplicates and tombstones included. */
    private List<ConsumerRecord<String, byte[]>> records() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.currentTimeMillis() + 20_000;
            while (records.size() < total && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static DeadLetter letter(ChangeEvent event, DeadLetterKind kind) {
        String sinkTable = event.table().equals(ITEMS) ? "public.items_copy" : "public.orders_copy";
        return new DeadLetter("shop", "warehouse", sinkTable, event, kind, "org.postgresql.util.PSQLException",
                "value too long for type character varying(20)", 3, FIRST, LAST);
    }

    private static ChangeEvent upsert(TableId table, long id, String name, int v) {
        return new ChangeEvent(ChangeOperation.INSERT, table, COLUMNS, new int[] {0}, null, new Object[] {id, name, v},
                SourcePosition.ofLsn(v), Instant.parse("2025-01-02T03:00:00Z").toEpochMilli());
    }

    private static ChangeEvent delete(TableId table, long id, long pos) {
        return new ChangeEvent(ChangeOperation.DELETE, table, COLUMNS, new int[] {0}, new Object[] {id, null, null},
                null, SourcePosition.ofLsn(pos), 0);
    }
}
