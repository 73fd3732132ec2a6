package io.tidemark.bench.report;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.BenchSettings.PhaseKind;
import io.tidemark.bench.phase.PhaseResult;
import io.tidemark.bench.workload.ChangeMix;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BenchReportTest {

    private static final BenchSettings SETTINGS = new BenchSettings(1000, 10, 8096, 100, ChangeMix.parse("50/40/10"), 1,
            Duration.ofSeconds(10), 3, 42, 5000, 0, Duration.ofMinutes(1), EnumSet.allOf(PhaseKind.class));
    private static final MachineInfo MACHINE = new MachineInfo(Instant.parse("2026-01-01T00:00:00Z"), 2, "8.0 GiB",
            "cpu", "java 17", "16.4", null, "1.20.3", "0.10 0.10 0.10", "0.20 0.20 0.20");

    @Test
    void takesTheMedianRateOfEachPhaseAndComputesBothRatios() {
        BenchReport report = new BenchReport(SETTINGS, MACHINE, "bench/run.sh", Map.of(
                PhaseKind.DECODING, runs("decoding", 50_000, 40_000, 60_000),
                PhaseKind.BATCHED_WRITE, runs("batched-write", 80_000, 80_000, 90_000),
                PhaseKind.TIDEMARK, runs("tidemark", 33_000, 30_000, 36_000),
                PhaseKind.PLAIN_SQL, runs("plain-sql", 10_000, 12_000, 15_000)));

        assertThat(report.rate(PhaseKind.DECODING)).hasValue(50_000);
        assertThat(report.rate(PhaseKind.TIDEMARK)).hasValue(33_000);
        assertThat(report.plainSqlRatio().getAsDouble()).isCloseTo(33_000 / 12_000.0, within(1e-9));
        assertThat(report.ceilingRatio().getAsDouble()).isCloseTo(33_000 / 50_000.0, within(1e-9));
        assertThat(report.text()).contains("tidemark / plain_sql", "2.75", "met");
        assertThat(report.markdown()).contains("| `tidemark / min(decoding, batched_write)` | 0.66 | ≥ 0.6 | met |")
                .contains("| JVM cores | PostgreSQL cores | other processes' cores | all runs |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
                .doesNotContain("Redis");
    }

    @Test
    void averagesTheTwoMiddleRunsForAnEvenCount() {
        BenchReport report = new BenchReport(SETTINGS, MACHINE, "bench/run.sh",
                Map.of(PhaseKind.PLAIN_SQL, runs("plain-sql", 10_000, 14_000)));

        assertThat(report.rate(PhaseKind.PLAIN_SQL)).hasValue(12_000);
        assertThat(report.plainSqlRatio()).isEmpty();
        assertThat(report.text()).contains("not measured");
    }

    @Test
    void printsWhatEachDurabilityCostsAgainstNoneWithTheRedisServersCpu() {
        MachineInfo machine = new MachineInfo(MACHINE.date(), 2, "8.0 GiB", "cpu", "java 17", "16.4", "6.2.6",
                "1.20.5", "0.10 0.10 0.10", "0.20 0.20 0.20");
        BenchReport report = new BenchReport(SETTINGS, machine, "bench/run.sh", Map.of(
                PhaseKind.TIDEMARK_REDIS, runs("tidemark-redis", 40_000, 38_000, 44_000),
                PhaseKind.TIDEMARK_REDIS_REPLICAS, runs("tidemark-redis-replicas", 36_000, 30_000, 37_000),
                PhaseKind.TIDEMARK_REDIS_AOF, runs("tidemark-redis-aof", 20_000, 19_000, 22_000)));

        assertThat(report.ratio(PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS).getAsDouble())
                .isCloseTo(36_000 / 40_000.0, within(1e-9));
        assertThat(report.ratio(PhaseKind.TIDEMARK_REDIS_AOF, PhaseKind.TIDEMARK_REDIS).getAsDouble())
                .isCloseTo(0.5, within(1e-9));
        assertThat(report.text())
                .contains("Redis cores")
                .containsPattern("tidemark-redis-replicas / tidemark-redis +0\\.90   the cost of durability: replicas 1")
                .containsPattern("tidemark-redis-aof / tidemark-redis +0\\.50   the cost of durability: aof")
                .doesNotContain("tidemark-source-order / tidemark");
        assertThat(report.markdown())
                .contains("Redis 6.2.6 (embedded, a master with one replica for every Redis phase)")
                .contains("| JVM cores | PostgreSQL cores | Redis cores | other processes' cores | all runs |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|---|\n| tidemark-redis | 40,000 changes/s |")
                .containsPattern("\\| tidemark-redis \\| .* s \\| - \\| 1\\.00 \\| 1\\.00 \\| 0\\.50 \\| 0\\.00 \\| 40,000,")
                .contains("| tidemark-redis-replicas / tidemark-redis | 0.90 | — | the cost of durability: replicas 1 |")
                .contains("| tidemark-redis-aof / tidemark-redis | 0.50 | — | the cost of durability: aof |");
    }

    @Test
    void comparesTheRedisSinkWithPipelinedGuardedEvalshaAgainstItsTarget() {
        BenchReport report = new BenchReport(SETTINGS, MACHINE, "bench/run.sh", Map.of(
                PhaseKind.TIDEMARK_REDIS, runs("tidemark-redis", 30_000, 33_000, 36_000),
                PhaseKind.REDIS_EVALSHA, runs("redis-evalsha", 100_000, 110_000, 90_000)));

        assertThat(report.ratio(PhaseKind.TIDEMARK_REDIS, PhaseKind.REDIS_EVALSHA).getAsDouble())
                .isCloseTo(0.33, within(1e-9));
        assertThat(report.markdown())
                .contains("| redis-evalsha | 100,000 changes/s |")
                .contains("| tidemark-redis / redis-evalsha | 0.33 | ≥ 0.5 | NOT met: the Redis sink against"
                        + " pipelined guarded EVALSHA of the same changes |")
                .doesNotContain("![rates per phase]");
        assertThat(report.markdown("benchmarks-rates.svg")).contains("\n![rates per phase](benchmarks-rates.svg)\n");
        assertThat(report.text()).containsPattern("tidemark-redis / redis-evalsha +0\\.33   target >= 0\\.5   NOT met");
    }

    @Test
    void printsADurabilityCostOnlyWhereItsBaseRanToo() {
        BenchReport report = new BenchReport(SETTINGS, MACHINE, "bench/run.sh", Map.of(
                PhaseKind.TIDEMARK, runs("tidemark", 30_000),
                PhaseKind.TIDEMARK_SOURCE_ORDER, runs("tidemark-source-order", 15_000),
                PhaseKind.TIDEMARK_REDIS_AOF, runs("tidemark-redis-aof", 20_000)));

        assertThat(report.ratio(PhaseKind.TIDEMARK_REDIS_AOF, PhaseKind.TIDEMARK_REDIS)).isEmpty();
        assertThat(report.markdown())
                .contains("| tidemark-source-order / tidemark | 0.50 | — | the cost of apply-order: source |")
                .contains("| Redis cores |")
                .doesNotContain("durability");
        assertThat(report.text()).contains("the cost of apply-order: source").doesNotContain("durability");
    }

    /** Runs of 1,000 items each at the given rates. */
    private static List<PhaseResult> runs(String phase, double... rates) {
        return java.util.Arrays.stream(rates)
                .mapToObj(rate -> new PhaseResult(phase, 1000, 1000 / rate, 0, 1, 1, 0.5, 0, List.of()))
                .toList();
    }
}
