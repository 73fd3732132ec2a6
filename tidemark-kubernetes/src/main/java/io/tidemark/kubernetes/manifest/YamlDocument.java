package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * One document of a YAML stream as a Jackson tree, with the line of every key and list item so that
 * a finding can say where its node is.
 *
 * @param index 1-based position of the document in its stream
 * @param line line of the document's first node
 * @param root the document; a {@code NullNode} for an empty document
 * @param lines 1-based line of each key or list item, by path
 * @param duplicateKeys the keys that appear twice in one mapping (the later value is in {@code root})
 */
record YamlDocument(int index, int line, JsonNode root, Map<YamlPath, Integer> lines, List<YamlPath> duplicateKeys) {

    YamlDocument {
        lines = Map.copyOf(lines);
        duplicateKeys = List.copyOf(duplicateKeys);
    }

    /** The line of {@code path}, or of its nearest ancestor the document has, or of the document. */
    int lineOf(YamlPath path) {
        for (YamlPath p = path; !p.isRoot(); p = p.parent()) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
        }
        return line;
    }

    /** Whether the document is a mapping with a {@code kind}: a Kubernetes resource. */
    boolean isResource() {
        return root.isObject() && root.path("kind").isTextual();
    }

    String kind() {
        return root.path("kind").asText("");
    }

    String name() {
        return root.path("metadata").path("name").asText("");
    }
}
