package io.tidemark.bench;

import io.tidemark.bench.BenchSettings.PhaseKind;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

class TidemarkBenchTest {

    @Test
    void alternatesTheOrderOfTheJobsButKeepsTheCeilingsFirst() {
        BenchSettings settings = new BenchSettings(10, 0, 8096, 10, io.tidemark.bench.workload.ChangeMix.parse("50/40/10"),
                1, java.time.Duration.ofSeconds(10), 2, 1, 10, 0, java.time.Duration.ofMinutes(1),
                EnumSet.allOf(PhaseKind.class));

        assertThat(TidemarkBench.order(settings, 1)).containsExactly(PhaseKind.DECODING, PhaseKind.BATCHED_WRITE,
                PhaseKind.REDIS_EVALSHA, PhaseKind.TIDEMARK, PhaseKind.TIDEMARK_SOURCE_ORDER,
                PhaseKind.TIDEMARK_CHECKPOINTS_1S, PhaseKind.PLAIN_SQL, PhaseKind.TIDEMARK_REDIS,
                PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS_AOF, PhaseKind.TIDEMARK_MARIADB,
                PhaseKind.PLAIN_SQL_MARIADB, PhaseKind.TIDEMARK_SNAPSHOT, PhaseKind.PLAIN_SQL_SNAPSHOT);
        assertThat(TidemarkBench.order(settings, 2)).containsExactly(PhaseKind.DECODING, PhaseKind.BATCHED_WRITE,
                PhaseKind.REDIS_EVALSHA, PhaseKind.PLAIN_SQL_SNAPSHOT, PhaseKind.TIDEMARK_SNAPSHOT,
                PhaseKind.PLAIN_SQL_MARIADB, PhaseKind.TIDEMARK_MARIADB, PhaseKind.TIDEMARK_REDIS_AOF,
                PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS, PhaseKind.PLAIN_SQL,
                PhaseKind.TIDEMARK_CHECKPOINTS_1S, PhaseKind.TIDEMARK_SOURCE_ORDER, PhaseKind.TIDEMARK);
        assertThat(TidemarkBench.order(settings, 1)).containsExactlyInAnyOrder(PhaseKind.values());
    }

    @Test
    void theRedisAnchorIsACeilingThatNeedsRedisAndIsWarmedUp() {
        TidemarkBench bench = new TidemarkBench();
        new picocli.CommandLine(bench).parseArgs("--phases", "tidemark-redis,redis-evalsha");
        BenchSettings settings = bench.settings();

        assertThat(PhaseKind.REDIS_EVALSHA.isJob()).isFalse();
        assertThat(PhaseKind.REDIS_EVALSHA.usesRedis()).isTrue();
        assertThat(PhaseKind.REDIS_EVALSHA.warmsUp()).isTrue();
        assertThat(PhaseKind.BATCHED_WRITE.warmsUp()).isFalse();
        assertThat(TidemarkBench.order(settings, 2)).containsExactly(PhaseKind.REDIS_EVALSHA, PhaseKind.TIDEMARK_REDIS);
    }

    @Test
    void drawsTheChartBesideTheDocsUnlessToldWhere() {
        TidemarkBench beside = new TidemarkBench();
        new picocli.CommandLine(beside).parseArgs("--write-docs", "docs/benchmarks.md");
        TidemarkBench told = new TidemarkBench();
        new picocli.CommandLine(told).parseArgs("--write-docs", "docs/benchmarks.md", "--chart", "/tmp/x/chart.svg");
        TidemarkBench chartOnly = new TidemarkBench();
        new picocli.CommandLine(chartOnly).parseArgs("--chart", "chart.svg");

        assertThat(beside.chartFile()).isEqualTo(java.nio.file.Path.of("docs/benchmarks-rates.svg"));
        assertThat(TidemarkBench.chartLink(java.nio.file.Path.of("docs/benchmarks.md"), beside.chartFile()))
                .isEqualTo("benchmarks-rates.svg");
        assertThat(told.chartFile()).isEqualTo(java.nio.file.Path.of("/tmp/x/chart.svg"));
        assertThat(TidemarkBench.chartLink(java.nio.file.Path.of("/tmp/docs/b.md"), told.chartFile()))
                .isEqualTo("../x/chart.svg");
        assertThat(chartOnly.chartFile()).isEqualTo(java.nio.file.Path.of("chart.svg"));
        assertThat(new TidemarkBench().chartFile()).isNull();
    }

    @Test
    void readsTheRedisPhasesAndTheirDurabilityOrder() {
        TidemarkBench bench = new TidemarkBench();
        new picocli.CommandLine(bench).parseArgs("--phases", "tidemark-redis-aof,tidemark-redis,tidemark-redis-replicas");
        BenchSettings settings = bench.settings();

        assertThat(settings.phases()).allMatch(PhaseKind::usesRedis).allMatch(PhaseKind::isJob);
        assertThat(TidemarkBench.order(settings, 1)).containsExactly(PhaseKind.TIDEMARK_REDIS,
                PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS_AOF);
        assertThat(TidemarkBench.order(settings, 2)).containsExactly(PhaseKind.TIDEMARK_REDIS_AOF,
                PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS);
    }

    @Test
    void theSnapshotChunkSizeDefaultsToWhatBothSourcesDefaultTo() {
        TidemarkBench defaults = new TidemarkBench();
        new picocli.CommandLine(defaults).parseArgs();
        TidemarkBench told = new TidemarkBench();
        new picocli.CommandLine(told).parseArgs("--snapshot-chunk-size", "32768");

        assertThat(defaults.settings().snapshotChunkSize())
                .isEqualTo(io.tidemark.pipeline.config.PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE.defaultValue())
                .isEqualTo(io.tidemark.pipeline.config.MySqlSourceOptions.SNAPSHOT_CHUNK_SIZE.defaultValue())
                .isEqualTo(org.apache.flink.cdc.connectors.base.options.SourceOptions.SCAN_INCREMENTAL_SNAPSHOT_CHUNK_SIZE
                        .defaultValue());
        assertThat(told.settings().snapshotChunkSize()).isEqualTo(32768);
    }

    @Test
    void aChunkSizeBelowOneIsAUsageError() {
        StringWriter err = new StringWriter();

        int exit = TidemarkBench.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true),
                "--snapshot-chunk-size", "0");

        assertThat(exit).isEqualTo(TidemarkBench.EXIT_USAGE);
        assertThat(err.toString()).startsWith("tidemark-bench: --snapshot-chunk-size must be at least 1");
    }

    @Test
    void badOptionsAreAUsageErrorWithOneLine() {
        StringWriter err = new StringWriter();

        int exit = TidemarkBench.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true),
                "--phases", "decoding,nonsense");

        assertThat(exit).isEqualTo(TidemarkBench.EXIT_USAGE);
        assertThat(err.toString()).startsWith("tidemark-bench: unknown phase 'nonsense'; use decoding, batched-write,"
                + " redis-evalsha, tidemark, tidemark-source-order, tidemark-checkpoints-1s, plain-sql, tidemark-redis,"
                + " tidemark-redis-replicas, tidemark-redis-aof, tidemark-mariadb, plain-sql-mariadb, tidemark-snapshot"
                + " or plain-sql-snapshot").doesNotContain("\tat ");
    }
}
