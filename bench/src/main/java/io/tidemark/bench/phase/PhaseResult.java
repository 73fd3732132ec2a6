package io.tidemark.bench.phase;

import io.tidemark.bench.load.CpuUsage;
import io.tidemark.bench.load.VertexLoadSampler.VertexLoad;

import java.util.List;

/**
 * One measured run of one phase.
 *
 * @param items changes (or rows) moved in the measured window
 * @param seconds the measured window
 * @param startupSeconds for a job: from submission until every task ran (not in {@link #seconds})
 * @param jvmCores cores the bench JVM kept busy on average during the window
 * @param postgresCores cores the PostgreSQL processes kept busy on average during the window
 * @param redisCores cores the Redis servers kept busy on average during the window (0 without them)
 * @param mariaDbCores cores the MariaDB server kept busy on average during the window (0 without it)
 * @param otherCores cores that other processes on the machine used during the window (noise)
 * @param vertexLoads for a job: how its vertices spent their time during the window
 */
public record PhaseResult(
        String phase,
        long items,
        double seconds,
        double startupSeconds,
        double jvmCores,
        double postgresCores,
        double redisCores,
        double mariaDbCores,
        double otherCores,
        List<VertexLoad> vertexLoads) {

    public PhaseResult {
        vertexLoads = List.copyOf(vertexLoads);
    }

    /** A result of a run without MariaDB. */
    public PhaseResult(String phase, long items, double seconds, double startupSeconds, double jvmCores,
            double postgresCores, double redisCores, double otherCores, List<VertexLoad> vertexLoads) {
        this(phase, items, seconds, startupSeconds, jvmCores, postgresCores, redisCores, 0, otherCores, vertexLoads);
    }

    /** A result with the CPU use of its window. */
    public PhaseResult(String phase, long items, double seconds, double startupSeconds, CpuUsage.Cores cores,
            List<VertexLoad> vertexLoads) {
        this(phase, items, seconds, startupSeconds, cores.jvm(), cores.postgres(), cores.redis(), cores.mariaDb(),
                cores.other(), vertexLoads);
    }

    public double rate() {
        return items / seconds;
    }
}
