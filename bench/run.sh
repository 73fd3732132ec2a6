#!/usr/bin/env bash
# Builds the bench (and the pipeline it measures) and runs it in its own JVM with a 4 GiB heap.
# Usage, from anywhere:  bench/run.sh [options]   (bench/run.sh --help lists them)
# Set BENCH_SKIP_BUILD=1 to run the last build again without Maven, and BENCH_JAVA_OPTS to add JVM
# options (e.g. -XX:StartFlightRecording=filename=bench.jfr,settings=profile to profile a run).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_SKIP_BUILD:-}" != "1" ]]; then
  ./mvnw -B -q -Pbench -pl bench -am -DskipTests package
fi
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
exec java -Xmx4g ${BENCH_JAVA_OPTS:-} -Dbench.launcher=bench/run.sh \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.tidemark.bench.TidemarkBench "$@"
