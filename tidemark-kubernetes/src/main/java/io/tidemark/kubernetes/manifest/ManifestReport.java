package io.tidemark.kubernetes.manifest;

import java.util.List;

/**
 * The outcome of checking manifests: every finding (ordered by file, document and line) and every
 * resource looked at. A check fails if it {@link #hasErrors() has errors}; warnings alone do not fail it.
 *
 * @param resources the documents checked, in the order they were read
 * @param findings the problems found, in file order, then by document and line
 */
public record ManifestReport(List<ManifestResource> resources, List<ManifestFinding> findings) {

    public ManifestReport {
        resources = List.copyOf(resources);
        findings = List.copyOf(findings);
    }

    public boolean hasErrors() {
        return findings.stream().anyMatch(ManifestFinding::isError);
    }

    public List<ManifestFinding> errors() {
        return findings.stream().filter(ManifestFinding::isError).toList();
    }

    public List<ManifestFinding> warnings() {
        return findings.stream().filter(f -> !f.isError()).toList();
    }

    /** The resources of one kind, e.g. {@code "FlinkDeployment"}. */
    public List<ManifestResource> resources(String kind) {
        return resources.stream().filter(r -> r.kind().equals(kind)).toList();
    }
}
