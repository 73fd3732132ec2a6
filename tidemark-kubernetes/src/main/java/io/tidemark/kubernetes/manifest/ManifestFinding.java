package io.tidemark.kubernetes.manifest;

import java.util.Objects;

/**
 * One problem in a manifest, as {@code tidemark manifest check} reports it: where it is (file, line,
 * document, resource, YAML path), how bad it is, and a one-line message saying what is wrong and what
 * the checkpoint and savepoint strategy wants instead.
 *
 * @param file the file as it was given (or the name given to a YAML text, such as {@code <stdin>})
 * @param document 1-based index of the YAML document in the file; 0 for a finding about the whole file
 * @param line 1-based line of the node (or of its nearest ancestor in the file); 0 if unknown
 * @param kind the resource's kind ({@code FlinkDeployment}, {@code ConfigMap}, ...); {@code ""} if none
 * @param name the resource's {@code metadata.name}; {@code ""} if none
 * @param path the node's YAML path, e.g. {@code spec.flinkConfiguration["execution.checkpointing.interval"]};
 *     {@code ""} for the document or file itself
 * @param severity {@link Severity#ERROR} fails a check; {@link Severity#WARNING} does not
 * @param message what is wrong and what is wanted, on one line
 */
public record ManifestFinding(
        String file, int document, int line, String kind, String name, String path, Severity severity, String message) {

    /** How bad a finding is. */
    public enum Severity {
        /** Breaks the strategy (or the deployment): the check fails. */
        ERROR,
        /** Worth a look, but within what the strategy allows. */
        WARNING
    }

    public ManifestFinding {
        Objects.requireNonNull(file, "file cannot be null");
        Objects.requireNonNull(kind, "kind cannot be null");
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(severity, "severity cannot be null");
        Objects.requireNonNull(message, "message cannot be null");
        if (message.contains("\n")) {
            throw new IllegalArgumentException("message must be one line: " + message);
        }
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code Kind/name}, or {@code ""} if the finding is not about a resource. */
    public String resource() {
        if (kind.isEmpty()) {
            return "";
        }
        return name.isEmpty() ? kind : kind + "/" + name;
    }

    /**
     * The finding on one line: {@code file:line: SEVERITY Kind/name path: message}, e.g.
     * {@code flinkdeployment.yaml:12: ERROR FlinkDeployment/tidemark
     * spec.flinkConfiguration["execution.checkpointing.interval"]: 10s is below the spec's 30–60 s}.
     */
    public String toLine() {
        StringBuilder out = new StringBuilder(file);
        if (line > 0) {
            out.append(':').append(line);
        }
        out.append(": ").append(severity);
        if (!kind.isEmpty()) {
            out.append(' ').append(resource());
        }
        if (!path.isEmpty()) {
            out.append(' ').append(path);
        }
        return out.append(": ").append(message).toString();
    }
}
