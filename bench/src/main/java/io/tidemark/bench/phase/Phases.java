package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings.PhaseKind;
import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.RedisDurability;

/** Creates the phase of each kind. */
public final class Phases {

    private Phases() {}

    public static Phase create(PhaseKind kind, BenchContext context) {
        return switch (kind) {
            case DECODING -> new DecodingPhase(context);
            case BATCHED_WRITE -> new BatchedWritePhase(context);
            case REDIS_EVALSHA -> new RedisEvalshaPhase(context);
            case TIDEMARK -> TidemarkPhase.intoPostgres(context, ApplyOrder.KEYED);
            case TIDEMARK_SOURCE_ORDER -> TidemarkPhase.intoPostgres(context, ApplyOrder.SOURCE);
            case TIDEMARK_CHECKPOINTS_1S -> TidemarkPhase.intoPostgresCheckpointingEverySecond(context);
            case PLAIN_SQL -> PlainSqlPhase.streaming(context);
            case TIDEMARK_REDIS -> TidemarkPhase.intoRedis(context, kind.key(), RedisDurability.none());
            case TIDEMARK_REDIS_REPLICAS -> TidemarkPhase.intoRedis(context, kind.key(), RedisDurability.replicas(1));
            case TIDEMARK_REDIS_AOF -> TidemarkPhase.intoRedis(context, kind.key(), RedisDurability.aof());
            case TIDEMARK_MARIADB -> TidemarkPhase.fromMariaDbIntoPostgres(context);
            case PLAIN_SQL_MARIADB -> PlainSqlPhase.fromMariaDb(context);
            case TIDEMARK_SNAPSHOT -> TidemarkPhase.snapshotIntoPostgres(context);
            case PLAIN_SQL_SNAPSHOT -> PlainSqlPhase.snapshot(context);
        };
    }
}
