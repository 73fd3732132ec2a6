package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import java.time.Duration;
import java.util.Map;

/**
 * The Redis sink's own guard script and script calls, for the bench's {@code redis-evalsha} anchor,
 * which sends exactly what the sink would send without the rest of the pipeline. Both are
 * package-private in tidemark-pipeline ({@link GuardedWriteScript}, {@link RedisRowEncoder#call}),
 * so this class lives in the sink's package, in the bench module, instead of widening the product's API.
 */
public final class SinkScriptCalls {

    /** The keys and arguments of one {@code EVALSHA} of the guard script. */
    public record Call(String[] keys, String[] args) {}

    private final RedisRowEncoder encoder;

    /**
     * An encoder as the sink builds it ({@code RedisChangeSink}) for the given settings.
     *
     * @param sinkTables source table to the table name used in keys
     * @param ttl expiry of row keys, or null for none
     */
    public SinkScriptCalls(String keyPrefix, RedisValueFormat format, Map<TableId, TableId> sinkTables, Duration ttl,
            Duration tombstoneRetention) {
        this.encoder = new RedisRowEncoder(keyPrefix, format, sinkTables, ttl, tombstoneRetention);
    }

    /** The source of the guard script, as the sink loads it with {@code SCRIPT LOAD}. */
    public static String scriptSource() {
        return GuardedWriteScript.SOURCE;
    }

    /** The script call the sink sends for {@code event}: an upsert with its position, or a delete. */
    public Call call(ChangeEvent event) {
        RedisRowEncoder.ScriptCall call = encoder.call(event);
        return new Call(call.keys(), call.args());
    }
}
