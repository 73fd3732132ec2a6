/**
 * The operator target of the snapshot service: savepoints, checkpoints and restores of a job the
 * Flink Kubernetes Operator runs, asked for through the Kubernetes API (FlinkStateSnapshot
 * resources, or the FlinkDeployment's nonces) and read back from what the operator writes into
 * their status.
 */
package io.tidemark.kubernetes.operator;
