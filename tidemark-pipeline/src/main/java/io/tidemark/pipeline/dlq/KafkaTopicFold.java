package io.tidemark.pipeline.dlq;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The dead-letter topic folded by key, kept up to date by one consumer that stays positioned
 * after what it folded: each {@link #read()} takes only the records added since the one before,
 * not the whole topic again (a writer reads the queue for every batch that touches a parked row).
 * The first record of a key is the entry, a replay marker or a replay failure updates it, a
 * tombstone removes it.
 */
final class KafkaTopicFold implements AutoCloseable {

    private final Properties consumerProperties;
    private final String topic;
    private final Duration timeout;
    private final Map<String, StoredDeadLetter> byKey = new LinkedHashMap<>();
    private KafkaConsumer<String, byte[]> consumer;
    private long recordsRead;

    KafkaTopicFold(Properties consumerProperties, String topic, Duration timeout) {
        this.consumerProperties = consumerProperties;
        this.topic = topic;
        this.timeout = timeout;
    }

    /**
     * Reads the topic up to the end offsets it has now, from where the previous read stopped (the
     * beginning, the first time, or after a failed read); the entries by key, in the order first seen.
     */
    synchronized Map<String, StoredDeadLetter> read() throws IOException {
        try {
            if (consumer == null) {
                KafkaConsumer<String, byte[]> opened = new KafkaConsumer<>(consumerProperties);
                List<PartitionInfo> partitions = opened.partitionsFor(topic, timeout);
                if (partitions == null || partitions.isEmpty()) {
                    opened.close();
                    return Map.of();
                }
                List<TopicPartition> assigned = partitions.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                opened.assign(assigned);
                opened.seekToBeginning(assigned);
                consumer = opened;
                byKey.clear();
            }
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(consumer.assignment(), timeout));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reachedEnd(end)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("dead-letter topic " + topic + ": not read to its end within "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    recordsRead++;
                    fold(record);
                }
            }
        } catch (IOException | RuntimeException e) {
            closeConsumer(); // read from the beginning again next time
            throw e;
        }
        return new LinkedHashMap<>(byKey);
    }

    /** Records read since the fold was opened. */
    synchronized long recordsRead() {
        return recordsRead;
    }

    private boolean reachedEnd(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void fold(ConsumerRecord<String, byte[]> record) throws IOException {
        String key = record.key();
        if (key == null) {
            return; // not ours
        }
        if (record.value() == null) {
            byKey.remove(key);
            return;
        }
        StoredDeadLetter stored = KafkaDeadLetterQueue.parse(key, record.value());
        StoredDeadLetter known = byKey.get(key);
        boolean failureUpdate = record.headers().lastHeader(KafkaDeadLetterQueue.HEADER_REPLAY_FAILURE) != null;
        if (known == null || (stored.isReplayed() && !known.isReplayed()) || (failureUpdate && !known.isReplayed())) {
            byKey.put(key, stored);
        }
    }

    private void closeConsumer() {
        if (consumer != null) {
            consumer.close(Duration.ZERO);
            consumer = null;
        }
    }

    @Override
    public synchronized void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(10));
            consumer = null;
        }
    }
}
