package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * How one YAML value is read and checked for an option of type {@code T}; pairs with a
 * {@code ConfigOption<T>} in {@link OptionField}, so the compiler keeps both types in step.
 */
interface ValueType<T> {

    /** What the value must look like, for the documentation's type column. */
    String description();

    /**
     * Reads a present, non-null value. Reports problems under {@code path} (or paths below it) and
     * returns null if the value is not valid.
     */
    T read(JsonNode node, String path, Problems problems);

    /** The allowed values when they form a short closed list, otherwise empty. */
    default List<String> choices() {
        return List.of();
    }
}
