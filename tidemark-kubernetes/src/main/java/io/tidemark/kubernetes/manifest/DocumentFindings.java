package io.tidemark.kubernetes.manifest;

import io.tidemark.kubernetes.manifest.ManifestFinding.Severity;

import java.util.List;

/**
 * Where the rules report on one document: they name a path, this adds file, document, line and
 * resource. For a YAML text held in a string (a ConfigMap's {@code pipeline.yaml}), {@link #nested}
 * gives findings whose paths continue the string's path and whose lines count from its key.
 */
final class DocumentFindings {

    private final String file;
    private final int document;
    private final String kind;
    private final String name;
    private final List<ManifestFinding> out;
    private final YamlDocument lines;
    private final YamlPath prefix;
    private final int lineOffset;

    DocumentFindings(String file, YamlDocument document, String kind, String name, List<ManifestFinding> out) {
        this(file, document.index(), kind, name, out, document, YamlPath.ROOT, 0);
    }

    private DocumentFindings(String file, int document, String kind, String name, List<ManifestFinding> out,
            YamlDocument lines, YamlPath prefix, int lineOffset) {
        this.file = file;
        this.document = document;
        this.kind = kind;
        this.name = name;
        this.out = out;
        this.lines = lines;
        this.prefix = prefix;
        this.lineOffset = lineOffset;
    }

    /**
     * Findings for {@code inner}, a document parsed from the string at {@code at}: its line 1 is the
     * line after the string's key, as in a block scalar ({@code pipeline.yaml: |}).
     */
    DocumentFindings nested(YamlPath at, YamlDocument inner) {
        return new DocumentFindings(file, document, kind, name, out, inner, prefix.resolve(at), lineOf(at));
    }

    int lineOf(YamlPath path) {
        return lines.lineOf(path) + lineOffset;
    }

    void error(YamlPath path, String message) {
        add(Severity.ERROR, path, lineOf(path), message);
    }

    void warning(YamlPath path, String message) {
        add(Severity.WARNING, path, lineOf(path), message);
    }

    void add(Severity severity, YamlPath path, int line, String message) {
        out.add(new ManifestFinding(file, document, line, kind, name, prefix.resolve(path).toString(), severity, message));
    }
}
