package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.BenchRedis;
import io.tidemark.bench.flink.BenchCluster;
import io.tidemark.bench.load.CpuUsage;

import java.nio.file.Path;
import java.util.List;

/**
 * What every phase shares: the settings, the PostgreSQL server, the Redis servers (null when no
 * phase writes to Redis), the Flink cluster and a scratch folder.
 */
public record BenchContext(
        BenchSettings settings, BenchPostgres postgres, BenchRedis redis, BenchCluster cluster, Path workDir) {

    /** The Redis servers; only started when a Redis phase was asked for. */
    @Override
    public BenchRedis redis() {
        if (redis == null) {
            throw new IllegalStateException("no Redis servers were started for this run");
        }
        return redis;
    }

    /** A snapshot of the CPU time used by the bench JVM, PostgreSQL and Redis (if it runs). */
    public CpuUsage cpuUsage() {
        return CpuUsage.now(postgres.postmasterPid(), redis == null ? List.of() : redis.pids());
    }
}
