package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.DeadLetterReplay;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Replays the pending dead-letter entries of one JDBC sink through the sink's own guarded write
 * path ({@link BatchApplier}), so that a replay has the live path's exactly-once effect; the order
 * and bookkeeping are {@link DeadLetterReplay}'s, which every sink shares.
 *
 * <p>Entries are replayed in source-position order. An entry whose row the sink already holds (or
 * whose row's tombstone it holds) at the entry's position or later is marked SKIPPED without a
 * write; any other is applied and marked APPLIED. The check and the write are one transaction,
 * and the write is position-guarded, so a replay interrupted between applying an entry and marking
 * it is harmless: the rerun finds the row at the entry's position and marks it SKIPPED. An entry
 * the sink still rejects stays pending (its error and attempt count updated), and the later entries
 * of its row wait behind it, as do entries whose row has an earlier pending entry outside the
 * filter: a row's changes are only ever applied in order. A transient error that outlasts the
 * sink's retries ends the replay with an exception; every entry not yet marked stays pending.
 */
public final class DeadLetterReplayer implements AutoCloseable {

    /** Hears each entry's outcome once it is recorded; may stop the replay by throwing. */
    @FunctionalInterface
    public interface Listener {
        void replayed(ReplaySummary.Entry entry) throws InterruptedException;
    }

    private final String pipeline;
    private final String sink;
    private final DeadLetterQueue queue;
    private final BatchApplier applier;

    public DeadLetterReplayer(
            String pipeline,
            JdbcSinkDef sink,
            Map<TableId, TableId> sinkTables,
            DeadLetterQueueDef deadLetters,
            DeadLetterQueue queue) {
        this.pipeline = pipeline;
        this.sink = sink.name();
        this.queue = queue;
        this.applier = new BatchApplier(JdbcConnectionFactory.of(sink), SinkDialect.forUrl(sink.url()),
                Map.copyOf(sinkTables), pipeline, sink.name() + "-replay", sink.maxRetries(),
                Set.copyOf(deadLetters.transientErrors()), null);
        // every replayed change is a possible replay: always check tombstones, as after a restore
        this.applier.setRecoveryHorizon(Long.MAX_VALUE);
    }

    /** The replayer of one JDBC sink of a pipeline, with the routes and queue its file configures. */
    public static DeadLetterReplayer of(PipelineDef def, JdbcSinkDef sink) {
        DeadLetterQueues.Opener opener = DeadLetterQueues.forJdbcSink(def.deadLetterQueue(), sink)
                .orElseThrow(() -> new IllegalArgumentException(
                        "pipeline " + def.name() + " has no dead-letter queue (dead-letter-queue.type: none)"));
        return new DeadLetterReplayer(def.name(), sink, routes(def, sink.name()), def.deadLetterQueue(), opener.open());
    }

    /** Source table to sink table for the routes to one sink. */
    public static Map<TableId, TableId> routes(PipelineDef def, String sinkName) {
        Map<TableId, TableId> routes = new LinkedHashMap<>();
        for (RouteDef route : def.routes()) {
            if (route.sink().equals(sinkName)) {
                routes.put(TableId.parse(route.sourceTable()), TableId.parse(route.sinkTable()));
            }
        }
        return routes;
    }

    public ReplaySummary replay(DeadLetterFilter filter) throws IOException, InterruptedException {
        return replay(filter, entry -> {});
    }

    /** Replays this sink's pending entries that match {@code filter}; see {@link DeadLetterReplay}. */
    public ReplaySummary replay(DeadLetterFilter filter, Listener listener) throws IOException, InterruptedException {
        return new DeadLetterReplay(pipeline, sink, queue, this::apply).replay(filter, listener::replayed);
    }

    private DeadLetterReplay.Result apply(DeadLetter letter) throws IOException {
        try {
            return applier.replayForQueue(letter);
        } catch (IOException e) {
            throw new IOException("sink " + sink + ": " + e.getMessage(), e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        applier.close();
        queue.close();
    }
}
