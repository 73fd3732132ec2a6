#!/usr/bin/env bash
# Takes a savepoint of a running Tidemark job and prints its path on stdout (spec, section 7).
# A thin wrapper over `tidemark savepoint trigger`; everything else it says goes to stderr.
#
# Environment:
#   TIDEMARK_TARGET             rest (default) or kubernetes (a FlinkDeployment of the Flink Kubernetes Operator)
#   TIDEMARK_REST_ADDRESS       with rest: the Flink cluster's REST endpoint, e.g. http://flink-jobmanager:8081
#   TIDEMARK_DEPLOYMENT         with kubernetes: the FlinkDeployment's name (kubeconfig's current context)
#   TIDEMARK_NAMESPACE          with kubernetes: its namespace (default: the context's)
#   TIDEMARK_SAVEPOINT_DIR      where to write the savepoint (default: the cluster's savepoint directory)
#   TIDEMARK_SAVEPOINT_FORMAT   canonical (default) or native
#   TIDEMARK_SAVEPOINT_TIMEOUT  how long to wait, e.g. 10m (default)
#   TIDEMARK_CLI                the tidemark command (default: the launcher in this repository)
set -euo pipefail

NAME="$(basename "$0")"
usage() {
  cat >&2 <<USAGE
usage: $NAME <job_id>
  Takes a savepoint of the running job <job_id> (32 hex digits) through the Flink REST API at
  \$TIDEMARK_REST_ADDRESS, or with TIDEMARK_TARGET=kubernetes through the Flink Kubernetes Operator
  (FlinkDeployment \$TIDEMARK_DEPLOYMENT), and prints the savepoint's path on stdout.
  Exit codes: 0 ok, 2 usage, 4 unknown job, 5 timeout, 7 cluster unreachable, 1 other failure.
USAGE
}

if [ $# -eq 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; }; then
  usage
  exit 0
fi
if [ $# -ne 1 ] || [ -z "$1" ]; then
  usage
  exit 2
fi
if [ "${TIDEMARK_TARGET:-rest}" = "kubernetes" ]; then
  if [ -z "${TIDEMARK_DEPLOYMENT:-}" ]; then
    echo "$NAME: TIDEMARK_DEPLOYMENT is not set; set it to the FlinkDeployment's name (TIDEMARK_TARGET=kubernetes)" >&2
    exit 2
  fi
elif [ -z "${TIDEMARK_REST_ADDRESS:-}" ]; then
  echo "$NAME: TIDEMARK_REST_ADDRESS is not set; set it to the Flink REST endpoint, e.g. http://localhost:8081" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
TIDEMARK="${TIDEMARK_CLI:-$ROOT/tidemark}"

# the cluster (TIDEMARK_TARGET, TIDEMARK_REST_ADDRESS or TIDEMARK_DEPLOYMENT/TIDEMARK_NAMESPACE) and the
# pipeline file (TIDEMARK_PIPELINE, for its savepoints-dir) are read by the CLI from the environment
args=(savepoint trigger "$1")
if [ -n "${TIDEMARK_SAVEPOINT_DIR:-}" ]; then args+=(--target-dir "$TIDEMARK_SAVEPOINT_DIR"); fi
if [ -n "${TIDEMARK_SAVEPOINT_FORMAT:-}" ]; then args+=(--format "$TIDEMARK_SAVEPOINT_FORMAT"); fi
if [ -n "${TIDEMARK_SAVEPOINT_TIMEOUT:-}" ]; then args+=(--timeout "$TIDEMARK_SAVEPOINT_TIMEOUT"); fi
exec "$TIDEMARK" "${args[@]}"
