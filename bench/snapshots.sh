#!/usr/bin/env bash
# Times tidemark savepoint list and savepoint cleanup --dry-run over N snapshots (default 10,000) on an S3
# endpoint (s3proxy in the bench JVM), through the CLI's own entry point, with Flink's S3 file system loaded
# as a plugin from tidemark-cli/target/plugins as the tidemark launcher does.
# Usage, from anywhere:  bench/snapshots.sh [--snapshots N] [--jobs J] [--repeat K]   (--help lists the options)
# Set BENCH_SKIP_BUILD=1 to run the last build again without Maven, BENCH_JAVA_OPTS to add JVM options.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_SKIP_BUILD:-}" != "1" ]]; then
  # tidemark-cli's package copies Flink's S3 file system to tidemark-cli/target/plugins/s3-fs-hadoop
  ./mvnw -B -q -Pbench -pl bench -am -DskipTests -DskipJobJar package
fi
export FLINK_PLUGINS_DIR="${FLINK_PLUGINS_DIR:-$PWD/tidemark-cli/target/plugins}"
# Flink's JVM flags on Java 17, as in the tidemark launcher
FLINK_JVM_FLAGS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
# shellcheck disable=SC2086 # both are lists of options
exec java -Xmx2g $FLINK_JVM_FLAGS -Daws.java.v1.disableDeprecationAnnouncement=true ${BENCH_JAVA_OPTS:-} \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.tidemark.bench.snapshots.SnapshotsBench "$@"
