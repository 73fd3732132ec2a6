#!/usr/bin/env bash
# Starts the Tidemark pipeline job from a savepoint (or retained checkpoint) and prints the new job
# id on stdout (spec, section 7). A thin wrapper over `tidemark restore`, which first checks that the
# path holds a complete snapshot (where this machine can reach its storage; otherwise the cluster
# checks it); everything else it says goes to stderr.
#
# Environment:
#   TIDEMARK_TARGET             rest (default) or kubernetes (a FlinkDeployment of the Flink Kubernetes Operator)
#   TIDEMARK_REST_ADDRESS       with rest: the Flink session cluster's REST endpoint, e.g. http://flink-jobmanager:8081
#   TIDEMARK_DEPLOYMENT         with kubernetes: the FlinkDeployment's name (kubeconfig's current context)
#   TIDEMARK_NAMESPACE          with kubernetes: its namespace (default: the context's)
#   TIDEMARK_PIPELINE           the pipeline file, e.g. /etc/tidemark/pipeline.yaml (required)
#   TIDEMARK_CLUSTER_CONFIG     the pipeline file's path as the JobManager sees it (default: TIDEMARK_PIPELINE)
#   TIDEMARK_JOB_JAR            the job jar to upload (default: the CLI's own jar)
#   TIDEMARK_CLAIM_MODE         no-claim (default) or claim
#   TIDEMARK_ALLOW_NON_RESTORED_STATE  true to skip state of operators no longer in the job
#   TIDEMARK_CLI                the tidemark command (default: the launcher in this repository)
set -euo pipefail

NAME="$(basename "$0")"
usage() {
  cat >&2 <<USAGE
usage: $NAME <savepoint_path>
  Starts the pipeline in \$TIDEMARK_PIPELINE from <savepoint_path> (a savepoint or retained
  checkpoint directory, local or s3://) on the Flink cluster at \$TIDEMARK_REST_ADDRESS (or, with
  TIDEMARK_TARGET=kubernetes, by redeploying FlinkDeployment \$TIDEMARK_DEPLOYMENT from it) and prints
  the new job id on stdout.
  Exit codes: 0 ok, 2 usage, 3 bad pipeline file, 4 no such snapshot, 5 timeout, 6 incompatible
  state, 7 cluster unreachable, 8 not a snapshot, 9 corrupt snapshot, 1 other failure.
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
if [ "${TIDEMARK_TARGET:-rest}" = "kubernetes" ]; then required="TIDEMARK_DEPLOYMENT TIDEMARK_PIPELINE"; else required="TIDEMARK_REST_ADDRESS TIDEMARK_PIPELINE"; fi
for var in $required; do
  if [ -z "${!var:-}" ]; then
    case "$var" in
      TIDEMARK_REST_ADDRESS) hint="the Flink REST endpoint, e.g. http://localhost:8081" ;;
      TIDEMARK_DEPLOYMENT) hint="the FlinkDeployment's name (TIDEMARK_TARGET=kubernetes)" ;;
      *) hint="the pipeline file, e.g. /etc/tidemark/pipeline.yaml" ;;
    esac
    echo "$NAME: $var is not set; set it to $hint" >&2
    exit 2
  fi
done

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
TIDEMARK="${TIDEMARK_CLI:-$ROOT/tidemark}"

# the cluster (TIDEMARK_TARGET, TIDEMARK_REST_ADDRESS or TIDEMARK_DEPLOYMENT/TIDEMARK_NAMESPACE) is read by
# the CLI from the environment; a REST restore needs it (without one the CLI would run the job embedded)
args=(restore "$1" --config "$TIDEMARK_PIPELINE")
if [ -n "${TIDEMARK_CLUSTER_CONFIG:-}" ]; then args+=(--cluster-config "$TIDEMARK_CLUSTER_CONFIG"); fi
if [ -n "${TIDEMARK_JOB_JAR:-}" ]; then args+=(--jar "$TIDEMARK_JOB_JAR"); fi
if [ -n "${TIDEMARK_CLAIM_MODE:-}" ]; then args+=(--claim-mode "$TIDEMARK_CLAIM_MODE"); fi
if [ "${TIDEMARK_ALLOW_NON_RESTORED_STATE:-false}" = "true" ]; then args+=(--allow-non-restored-state); fi
exec "$TIDEMARK" "${args[@]}"
