#!/usr/bin/env bash
# The chaos soak (issue 16 item 3): ChaosSoakITCase with the soak's settings, through the chaos profile
# of tidemark-cli. Two jobs from the production job jar on a standalone Flink cluster of separate JVMs
# (PostgreSQL -> PostgreSQL + Redis, MariaDB -> PostgreSQL), >= 1M changes with poison rows mixed in,
# and one fault after another: job failure, TaskManager killed, sink database stopped 30 s, PostgreSQL
# and MariaDB sources restarted, Redis killed. The report (faults, time each took to heal, lost /
# extra / applied twice / went back per sink, the dead-letter queues against the poison) is printed
# and kept in tidemark-cli/target/chaos/chaos-report.md, beside every process's log.
#
# Usage, from anywhere:  bench/chaos.sh [-Dtidemark.chaos.changes=N] [-Dtidemark.chaos.faults=N]
#   [-Dtidemark.chaos.rate=changes/s per source] [-Dtidemark.chaos.sink-outage-seconds=S]
# (the profile's defaults: 1,000,000 changes, 20 faults, 2,500 changes/s per source, 30 s, the
# manifest's restart strategy as shipped). Takes about 20 minutes on 2 cores. Needs what .ci/run
# installs (Debian's mariadb-server).
set -euo pipefail
cd "$(dirname "$0")/.."

# builds the modules and the job jar in the reactor; no other test runs
./mvnw -B -pl tidemark-cli -am verify -Pchaos -Dtest=none -Dit.test=ChaosSoakITCase \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false "$@"
echo
cat tidemark-cli/target/chaos/chaos-report.md
