package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.DeadLetterReplay;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replays the pending dead-letter entries of one Redis sink through the sink's own guarded write
 * path ({@link RedisBatchApplier}: the same script, retries and durability wait as the running
 * job), in the order and with the bookkeeping of {@link DeadLetterReplay}. The script itself tells
 * whether an entry is still needed: it writes nothing, and the entry is SKIPPED, when the key or
 * its tombstone already holds the entry's position or a later one. So a replay can be stopped at
 * any point and run again, also while the job runs, and nothing is applied twice.
 */
public final class RedisDeadLetterReplayer implements AutoCloseable {

    private final String sink;
    private final Map<TableId, TableId> sinkTables;
    private final DeadLetterQueue queue;
    private final RedisRowEncoder encoder;
    private final RedisBatchApplier applier;
    private final DeadLetterReplay replay;
    private final RedisTruncations truncations;

    /** @param sinkTables source table to the table name used in keys, for the tables routed to the sink */
    public RedisDeadLetterReplayer(String pipeline, RedisSinkDef sink, Map<TableId, TableId> sinkTables,
            DeadLetterQueue queue) {
        this.sink = sink.name();
        this.sinkTables = Map.copyOf(sinkTables);
        this.queue = queue;
        this.encoder = new RedisRowEncoder(
                sink.keyPrefix(), sink.format(), sinkTables, sink.ttl(), sink.tombstoneRetention());
        this.applier = new RedisBatchApplier(RedisConnector.of(sink), encoder, sink.name() + "-replay",
                sink.maxRetries(), sink.durability(), sink.durabilityTimeout(), null);
        this.replay = new DeadLetterReplay(pipeline, sink.name(), queue, this::apply);
        this.truncations = new RedisTruncations(RedisConnector.of(sink), sink.keyPrefix(), sink.format(), sinkTables);
        this.applier.skipTruncatedBy(truncations);
    }

    /** The replayer of one Redis sink of a pipeline, with the routes and queue its file configures. */
    public static RedisDeadLetterReplayer of(PipelineDef def, RedisSinkDef sink) {
        DeadLetterQueues.Opener opener = DeadLetterQueues.forRedisSink(def.deadLetterQueue())
                .orElseThrow(() -> new IllegalArgumentException("sink " + sink.name() + " of pipeline " + def.name()
                        + " has no dead-letter queue (dead-letter-queue.type: none, or no url)"));
        Map<TableId, TableId> routes = new LinkedHashMap<>();
        for (RouteDef route : def.routes()) {
            if (route.sink().equals(sink.name())) {
                routes.put(TableId.parse(route.sourceTable()), TableId.parse(route.sinkTable()));
            }
        }
        return new RedisDeadLetterReplayer(def.name(), sink, routes, opener.open());
    }

    public ReplaySummary replay(DeadLetterFilter filter) throws IOException, InterruptedException {
        return replay(filter, entry -> {});
    }

    /** Replays this sink's pending entries that match {@code filter}; see {@link DeadLetterReplay}. */
    public ReplaySummary replay(DeadLetterFilter filter, DeadLetterReplay.Listener listener)
            throws IOException, InterruptedException {
        return replay.replay(filter, listener);
    }

    private DeadLetterReplay.Result apply(DeadLetter letter) throws IOException, InterruptedException {
        ChangeEvent change = letter.event();
        if (!sinkTables.containsKey(change.table())) {
            return new DeadLetterReplay.Result.Rejected("NOT_ROUTED", "source table " + change.table()
                    + " is not routed to sink " + sink + " any more; add its route back, or purge the entry");
        }
        return applier.replayForQueue(letter);
    }

    @Override
    public void close() throws IOException {
        applier.close();
        truncations.close();
        queue.close();
    }
}
