/**
 * Tidemark on the Flink Kubernetes Operator: {@code operator} drives savepoints and restores of a
 * FlinkDeployment through the Kubernetes API (the operator target of the snapshot service), and
 * {@code manifest} checks FlinkDeployment manifests against the checkpoint and savepoint strategy.
 */
package io.tidemark.kubernetes;
