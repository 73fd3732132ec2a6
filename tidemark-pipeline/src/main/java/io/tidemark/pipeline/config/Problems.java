package io.tidemark.pipeline.config;

import java.util.ArrayList;
import java.util.List;

/** Collects problems while a file is read, so that all of them are reported together. */
final class Problems {

    private final List<String> lines = new ArrayList<>();

    /** Records {@code <path>: <message>}; line breaks are flattened so each problem stays one line. */
    void add(String path, String message) {
        String line = path.isEmpty() ? message : path + ": " + message;
        lines.add(line.replace("\r", " ").replace("\n", " "));
    }

    boolean isEmpty() {
        return lines.isEmpty();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String index(String path, int index) {
        return path + "[" + index + "]";
    }

    /** The path of a key next to the one at {@code path}: {@code sibling("sinks[0].url", "password")}. */
    static String sibling(String path, String key) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? key : path.substring(0, dot + 1) + key;
    }
}
