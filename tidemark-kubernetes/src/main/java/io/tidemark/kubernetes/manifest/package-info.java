/**
 * Checks of Kubernetes manifests against the checkpoint and savepoint strategy: {@link
 * io.tidemark.kubernetes.manifest.ManifestChecker} reads YAML files (FlinkDeployments with the Flink
 * Kubernetes Operator's own model) and returns a {@link io.tidemark.kubernetes.manifest.ManifestReport}
 * of one-line {@link io.tidemark.kubernetes.manifest.ManifestFinding}s, each naming its file, line and
 * YAML path.
 */
package io.tidemark.kubernetes.manifest;
