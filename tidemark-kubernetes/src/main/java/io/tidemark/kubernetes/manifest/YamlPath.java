package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A path to a node in a YAML document as findings print it: plain keys joined with dots, keys with
 * other characters quoted in brackets, list indexes in brackets, e.g.
 * {@code spec.flinkConfiguration["execution.checkpointing.interval"]} or
 * {@code spec.podTemplate.spec.containers[0].env[1].value}.
 */
final class YamlPath {

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    static final YamlPath ROOT = new YamlPath(List.of());

    private final List<Object> segments;
    private final String text;

    private YamlPath(List<Object> segments) {
        this.segments = segments;
        this.text = render(segments);
    }

    /** The path of the dotted keys, e.g. {@code of("spec", "job", "upgradeMode")}. */
    static YamlPath of(String... keys) {
        YamlPath path = ROOT;
        for (String key : keys) {
            path = path.key(key);
        }
        return path;
    }

    YamlPath key(String key) {
        List<Object> next = new ArrayList<>(segments);
        next.add(key);
        return new YamlPath(List.copyOf(next));
    }

    YamlPath index(int index) {
        List<Object> next = new ArrayList<>(segments);
        next.add(index);
        return new YamlPath(List.copyOf(next));
    }

    /** This path followed by {@code other}'s segments (a path inside a YAML text held at this path). */
    YamlPath resolve(YamlPath other) {
        List<Object> next = new ArrayList<>(segments);
        next.addAll(other.segments);
        return new YamlPath(List.copyOf(next));
    }

    /** The path one segment up; the root's parent is the root. */
    YamlPath parent() {
        return segments.isEmpty() ? this : new YamlPath(segments.subList(0, segments.size() - 1));
    }

    boolean isRoot() {
        return segments.isEmpty();
    }

    /** The last segment as a key, or {@code ""} for the root or an index. */
    String lastKey() {
        return !segments.isEmpty() && segments.get(segments.size() - 1) instanceof String key ? key : "";
    }

    /** The node at this path in {@code root}; a missing node if there is none. */
    JsonNode in(JsonNode root) {
        JsonNode node = root;
        for (Object segment : segments) {
            node = segment instanceof Integer index ? node.path(index) : node.path((String) segment);
        }
        return node;
    }

    private static String render(List<Object> segments) {
        StringBuilder out = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof Integer index) {
                out.append('[').append(index).append(']');
            } else {
                String key = (String) segment;
                if (PLAIN_KEY.matcher(key).matches()) {
                    if (out.length() > 0) {
                        out.append('.');
                    }
                    out.append(key);
                } else {
                    out.append("[\"").append(key.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"]");
                }
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof YamlPath other && other.segments.equals(segments);
    }

    @Override
    public int hashCode() {
        return segments.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
