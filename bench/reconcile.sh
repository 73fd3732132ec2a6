#!/usr/bin/env bash
# Times tidemark reconcile on N equal rows, PostgreSQL vs PostgreSQL, against downloading and comparing
# every row. Usage, from anywhere:  bench/reconcile.sh [--rows N] [--repeat K] [--differences D]
# Set BENCH_SKIP_BUILD=1 to run the last build again without Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_SKIP_BUILD:-}" != "1" ]]; then
  ./mvnw -B -q -Pbench -pl bench -am -DskipTests -DskipJobJar package
fi
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
exec java -Xmx4g ${BENCH_JAVA_OPTS:-} \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.tidemark.bench.reconcile.ReconcileBench "$@"
