package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.DeadLetterPolicy;
import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.DeadLetterQueueType;
import io.tidemark.pipeline.config.KafkaQueueDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterKind;
import io.tidemark.pipeline.dlq.EmbeddedKafka;
import io.tidemark.pipeline.dlq.KafkaDeadLetterQueue;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.OrdersWorkload;
import io.tidemark.pipeline.testing.PoisonScenario;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The poison scenario of {@link DeadLetterQueueITCase} with {@code type: kafka}: with three injected
 * job failures, the sink equals the source except for the poison rows, and the topic holds each
 * rejected change under one key, once, whatever the restores produced again.
 */
class KafkaDeadLetterQueuePipelineITCase extends PostgresTestBase {

    private static final int SNAPSHOT_ROWS = 2_000;
    private static final String PIPELINE = "it-dlq-kafka";
    private static final String TOPIC = "tidemark-dlq-" + PIPELINE;
    private static final String COLUMNS = "id, customer, amount::text, status, coalesce(note, '<null>'),"
            + " extract(epoch FROM updated_at)::text, version";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    private static EmbeddedKafka kafka;

    @TempDir
    Path temp;

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

    @Test
    void poisonChangesAreInTheTopicOnceEachByKeyAcrossInjectedFailures(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("src_dlq_kafka");
        String sink = createDatabase("sink_dlq_kafka");
        runDdl(source, "orders");
        runDdl(sink, "orders-narrow-sink");
        OrdersWorkload workload = new OrdersWorkload(43, 1);
        try (Connection c = connect(source)) {
            workload.seed(c, SNAPSHOT_ROWS);
        }
        PoisonScenario.seed(source);

        KafkaQueueDef topic = KafkaQueueDef.plaintext(kafka.bootstrapServers(), TOPIC);
        PipelineDef base = pipeline(PIPELINE, source, sink, List.of("public.orders"), temp, 2);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), base.source(), base.sinks(), base.routes(),
                base.checkpointing(), new DeadLetterQueueDef(DeadLetterQueueType.KAFKA, null, null, null,
                        "_tidemark_dlq", 3, DeadLetterPolicy.PARK, List.of(), topic));
        String scenario = "dlq-kafka-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 500, 1_500, 2_500);
        job.prepare();
        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> count(sink, "SELECT count(*) FROM orders") >= SNAPSHOT_ROWS + 4);
            PoisonScenario.run(source, workload, 600);
            await().atMost(Duration.ofMinutes(2)).until(() -> FailureInjector.failures(scenario) >= 3);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(PoisonScenario.rowsExceptPoisoned(sink, COLUMNS))
                            .isEqualTo(PoisonScenario.rowsExceptPoisoned(source, COLUMNS)));
            assertThat(count(sink, "SELECT count(*) FROM orders WHERE id = 900005")).isZero();

            List<StoredDeadLetter> entries;
            try (KafkaDeadLetterQueue queue = new KafkaDeadLetterQueue(topic)) {
                entries = queue.list(PIPELINE, DeadLetterFilter.all());
            }
            PoisonScenario.assertQueued(byRow(entries, DeadLetterKind.REJECTED), byRow(entries, DeadLetterKind.PARKED));

            Set<String> entryIds = entries.stream().map(e -> e.letter().entryId()).collect(Collectors.toSet());
            Set<String> keysInTopic = keysInTopic();
            assertThat(keysInTopic).as("the topic's keys are exactly the entries").isEqualTo(entryIds);
            Set<String> changes = new HashSet<>();
            for (StoredDeadLetter entry : entries) {
                DeadLetter letter = entry.letter();
                assertThat(changes.add(letter.rowKey() + "@" + letter.event().position().value()))
                        .as("change queued under one key only: %s", letter.rowKey()).isTrue();
            }
            assertThat(client.getJobStatus(jobId).get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    private static Map<Long, List<String>> byRow(List<StoredDeadLetter> entries, DeadLetterKind kind) {
        Map<Long, List<String>> rows = new HashMap<>();
        for (StoredDeadLetter entry : entries) {
            if (entry.letter().kind() == kind) {
                rows.computeIfAbsent(Long.parseLong(entry.letter().rowKey()), k -> new ArrayList<>())
                        .add(entry.letter().errorClass());
            }
        }
        return rows;
    }

    /** The distinct keys of every record in the topic, duplicates produced by restores included. */
    private static Set<String> keysInTopic() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 20_000;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
            }
        }
        return keys;
    }
}
