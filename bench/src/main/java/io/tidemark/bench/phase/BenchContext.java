package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.flink.BenchCluster;

import java.nio.file.Path;

/** What every phase shares: the settings, the PostgreSQL server, the Flink cluster and a scratch folder. */
public record BenchContext(BenchSettings settings, BenchPostgres postgres, BenchCluster cluster, Path workDir) {}
