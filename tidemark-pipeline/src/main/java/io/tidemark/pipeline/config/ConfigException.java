package io.tidemark.pipeline.config;

import java.util.List;

/**
 * Everything wrong with a pipeline file, reported at once so the user can fix it in one pass.
 *
 * <p>Each problem is one line, {@code <path>: <what is wrong>[; <how to fix it>]}, and never contains
 * a secret value.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems cannot be empty");
        }
        this.problems = List.copyOf(problems);
    }

    /** The problems, one line each, in the order they were found. */
    public List<String> problems() {
        return problems;
    }
}
