package io.tidemark.kubernetes.manifest;

/**
 * A document a check looked at: a Kubernetes resource, or a Tidemark pipeline file (kind
 * {@value ManifestChecker#PIPELINE_KIND}), so that a caller can tell "checked, no problems" from
 * "nothing to check".
 *
 * @param file the file as it was given
 * @param document 1-based index of the YAML document in the file
 * @param kind the resource's kind
 * @param name the resource's {@code metadata.name} (a pipeline's {@code pipeline.name}); {@code ""} if none
 */
public record ManifestResource(String file, int document, String kind, String name) {}
