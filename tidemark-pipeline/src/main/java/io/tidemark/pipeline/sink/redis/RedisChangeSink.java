package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.ChangeSink;
import io.tidemark.pipeline.sink.WriterOnlySink;

import org.apache.flink.api.connector.sink2.Sink;

import java.io.IOException;
import java.util.Map;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Applies change events to Redis with exactly-once effect: one key per row, every write through a
 * server-side script that applies a change only if its source position is newer than the key's and
 * its tombstone's. See {@code docs/redis-sink.md}.
 */
public final class RedisChangeSink implements ChangeSink {

    private static final long serialVersionUID = 1L;

    private final RedisSinkDef def;
    private final RedisConnector connector;
    private final RedisRowEncoder encoder;

    /** @param sinkTables source table to the table name used in keys, for the tables routed to this sink */
    public RedisChangeSink(RedisSinkDef def, Map<TableId, TableId> sinkTables) {
        this.def = checkNotNull(def, "def cannot be null");
        checkNotNull(sinkTables, "sinkTables cannot be null");
        this.connector = RedisConnector.of(def);
        this.encoder = new RedisRowEncoder(
                def.keyPrefix(), def.format(), sinkTables, def.ttl(), def.tombstoneRetention());
    }

    @Override
    public String name() {
        return def.name();
    }

    /** Checks that the server (or the cluster) answers; a Redis sink needs no schema. */
    @Override
    public void prepare() throws Exception {
        try {
            RedisBatchApplier.ping(connector);
        } catch (RuntimeException e) {
            throw new IOException("sink " + def.name() + ": cannot reach Redis at " + connector.uri() + ": " + reason(e), e);
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
        String reason = RedisBatchApplier.message(e);
        if (root != e && !reason.contains(RedisBatchApplier.message(root))) {
            reason += " (" + RedisBatchApplier.message(root) + ")";
        }
        if (root.getSuppressed().length > 0) {
            reason += ": " + RedisBatchApplier.message(root.getSuppressed()[0]);
        }
        if (reason.contains("cluster support disabled")) {
            reason += "; the server is not a Redis Cluster node: set mode: standalone";
        }
        return reason;
    }

    @Override
    public Sink<ChangeEvent> createSink() {
        RedisSinkDef def = this.def;
        RedisRowEncoder encoder = this.encoder;
        RedisConnector connector = this.connector;
        return new WriterOnlySink(context -> new RedisChangeWriter(
                encoder,
                new RedisBatchApplier(connector, encoder, def.name(), def.maxRetries()),
                def.batchSize(),
                def.flushInterval(),
                context.getProcessingTimeService(),
                context.metricGroup()));
    }
}
