package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchMariaDb;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.BenchRedis;
import io.tidemark.bench.flink.BenchCluster;
import io.tidemark.bench.load.CpuUsage;

import java.nio.file.Path;
import java.util.List;

/**
 * What every phase shares: the settings, the PostgreSQL server, the Redis servers (null when no
 * phase writes to Redis), the MariaDB server (null when no phase reads from MariaDB), the Flink
 * cluster and a scratch folder.
 */
public record BenchContext(
        BenchSettings settings, BenchPostgres postgres, BenchRedis redis, BenchMariaDb mariaDb, BenchCluster cluster,
        Path workDir) {

    /** The Redis servers; only started when a Redis phase was asked for. */
    @Override
    public BenchRedis redis() {
        if (redis == null) {
            throw new IllegalStateException("no Redis servers were started for this run");
        }
        return redis;
    }

    /** The MariaDB server; only started when a MariaDB phase was asked for. */
    @Override
    public BenchMariaDb mariaDb() {
        if (mariaDb == null) {
            throw new IllegalStateException("no MariaDB server was started for this run");
        }
        return mariaDb;
    }

    /** A snapshot of the CPU time used by the bench JVM, PostgreSQL, Redis and MariaDB (those that run). */
    public CpuUsage cpuUsage() {
        return CpuUsage.now(postgres.postmasterPid(), redis == null ? List.of() : redis.pids(),
                mariaDb == null ? -1 : mariaDb.pid());
    }
}
