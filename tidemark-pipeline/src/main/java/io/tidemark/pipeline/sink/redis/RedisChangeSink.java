package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.dlq.DeadLetterGauges;
import io.tidemark.pipeline.metrics.SinkMetrics;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.ChangeSink;
import io.tidemark.pipeline.sink.WriterOnlySink;

import org.apache.flink.api.connector.sink2.Sink;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Applies change events to Redis with exactly-once effect: one key per row, every write through a
 * server-side script that applies a change only if its source position is newer than the key's and
 * its tombstone's, each batch as durable as {@code durability} asks before a checkpoint can cover
 * it, and the writes Redis rejects sent to the pipeline's dead-letter queue. See {@code
 * docs/redis-sink.md}.
 */
public final class RedisChangeSink implements ChangeSink {

    private static final long serialVersionUID = 1L;

    /** How often the first writer subtask reads the queue's counts for its gauges. */

    private final String pipeline;
    private final RedisSinkDef def;
    private final RedisConnector connector;
    private final RedisRowEncoder encoder;
    private final DeadLetterQueueDef deadLetters;
    /** Null when the sink has no dead-letter queue: a rejected write then fails the job. */
    private final DeadLetterQueues.Opener deadLetterQueue;

    /** A sink without a dead-letter queue. */
    public RedisChangeSink(RedisSinkDef def, Map<TableId, TableId> sinkTables) {
        this(def.name(), def, sinkTables, DeadLetterQueueDef.defaults());
    }

    /**
     * @param pipeline the pipeline name, which its dead-letter entries carry
     * @param sinkTables source table to the table name used in keys, for the tables routed to this sink
     * @param deadLetters the pipeline's queue; see {@link DeadLetterQueues#forRedisSink}
     */
    public RedisChangeSink(
            String pipeline, RedisSinkDef def, Map<TableId, TableId> sinkTables, DeadLetterQueueDef deadLetters) {
        this.pipeline = checkNotNull(pipeline, "pipeline cannot be null");
        this.def = checkNotNull(def, "def cannot be null");
        checkNotNull(sinkTables, "sinkTables cannot be null");
        this.deadLetters = checkNotNull(deadLetters, "deadLetters cannot be null");
        this.connector = RedisConnector.of(def);
        this.encoder = new RedisRowEncoder(
                def.keyPrefix(), def.format(), sinkTables, def.ttl(), def.tombstoneRetention());
        this.deadLetterQueue = DeadLetterQueues.forRedisSink(deadLetters).orElse(null);
    }

    @Override
    public String name() {
        return def.name();
    }

    /**
     * Checks that the server (or the cluster) answers and can give the configured durability, and
     * creates the dead-letter queue's table or topic; a Redis sink needs no schema.
     */
    @Override
    public void prepare() throws Exception {
        try {
            RedisBatchApplier.check(connector, def.durability());
        } catch (DurabilityWait.UnavailableException e) {
            throw new IOException("sinks." + def.name() + ": Redis at " + connector.uri() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException("sinks." + def.name() + ": cannot connect to Redis at " + connector.uri() + ": " + reason(e), e);
        }
        if (deadLetterQueue != null) {
            try (DeadLetterQueue queue = deadLetterQueue.open()) {
                queue.prepare();
            }
        }
    }

    /**
     * The first line of the error, then of its root cause where that says more (a cluster client
     * wraps it), and of the first per-node failure the cluster client attached to it.
     */
    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = RedisReplies.message(e);
        if (root != e && reason.startsWith("Unable to connect to ")) {
            reason = RedisReplies.message(root); // Lettuce's wrapper repeats the address the line already names
        } else if (root != e && !reason.contains(RedisReplies.message(root))) {
            reason += " (" + RedisReplies.message(root) + ")";
        }
        if (root.getSuppressed().length > 0) {
            reason += ": " + RedisReplies.message(root.getSuppressed()[0]);
        }
        if (reason.contains("cluster support disabled")) {
            reason += "; the server is not a Redis Cluster node: set mode: standalone";
        }
        return reason;
    }

    @Override
    public Sink<ChangeEvent> createSink() {
        String pipeline = this.pipeline;
        RedisSinkDef def = this.def;
        RedisRowEncoder encoder = this.encoder;
        RedisConnector connector = this.connector;
        DeadLetterQueueDef deadLetters = this.deadLetters;
        DeadLetterQueues.Opener deadLetterQueue = this.deadLetterQueue;
        return new WriterOnlySink(context -> {
            RejectedChanges rejected = null;
            DeadLetterGauges gauges = null;
            if (deadLetterQueue != null) {
                rejected = new RejectedChanges(deadLetterQueue.open(), pipeline, def.name(), encoder::dataKey,
                        deadLetters.maxAttempts(), deadLetters.afterRejection(), context.metricGroup());
                if (context.getTaskInfo().getIndexOfThisSubtask() == 0) {
                    gauges = new DeadLetterGauges(deadLetterQueue.open(), pipeline, def.name(), context.metricGroup());
                    gauges.start(DeadLetterGauges.REFRESH_EVERY);
                }
            }
            return new RedisChangeWriter(
                    encoder,
                    new RedisBatchApplier(connector, encoder, def.name(), def.maxRetries(), def.durability(),
                            def.durabilityTimeout(), rejected),
                    rejected,
                    gauges,
                    new RedisTruncations(connector, def.keyPrefix(), def.format(), encoder.sinkTables()),
                    context.getTaskInfo().getIndexOfThisSubtask(),
                    context.getTaskInfo().getNumberOfParallelSubtasks(),
                    context.getJobInfo().getJobId() + ":" + context.getTaskInfo().getAttemptNumber(),
                    def.batchSize(),
                    def.flushInterval(),
                    context.getProcessingTimeService(),
                    context.metricGroup(),
                    new SinkMetrics(context.metricGroup(), def.name()));
        });
    }
}
