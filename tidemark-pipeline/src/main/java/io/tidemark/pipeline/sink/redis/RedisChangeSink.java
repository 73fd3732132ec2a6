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

    /** Checks that the server answers; a Redis sink needs no schema. */
    @Override
    public void prepare() throws Exception {
        try {
            RedisBatchApplier.ping(connector);
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IOException("sink " + def.name() + ": cannot reach Redis at " + connector.uri() + ": " + message, e);
        }
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
