package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.Objects;

/**
 * One key of a section: the Flink {@link ConfigOption} (key, default, description) with how its YAML
 * value is read and whether the key is required.
 */
record OptionField<T>(ConfigOption<T> option, ValueType<T> type, Presence presence, String derivedDefault) {

    /** Whether a key must be written, has a fixed default, or gets a default computed from other keys. */
    enum Presence {
        REQUIRED,
        DEFAULTED,
        DERIVED
    }

    OptionField {
        Objects.requireNonNull(option, "option cannot be null");
        Objects.requireNonNull(type, "type cannot be null");
        if ((presence == Presence.DEFAULTED) != option.hasDefaultValue()) {
            throw new IllegalArgumentException(
                    option.key() + ": a default value must be declared exactly when the key is " + Presence.DEFAULTED);
        }
    }

    static <T> OptionField<T> required(ConfigOption<T> option, ValueType<T> type) {
        return new OptionField<>(option, type, Presence.REQUIRED, null);
    }

    static <T> OptionField<T> withDefault(ConfigOption<T> option, ValueType<T> type) {
        return new OptionField<>(option, type, Presence.DEFAULTED, null);
    }

    /** A key whose default depends on other keys; {@code derivedDefault} explains it in the docs. */
    static <T> OptionField<T> derived(ConfigOption<T> option, ValueType<T> type, String derivedDefault) {
        return new OptionField<>(option, type, Presence.DERIVED, Objects.requireNonNull(derivedDefault));
    }

    String key() {
        return option.key();
    }

    boolean isRequired() {
        return presence == Presence.REQUIRED;
    }

    /** Reads {@code node} and stores the value in {@code target} if it is valid. */
    void read(JsonNode node, String path, Configuration target, Problems problems) {
        T value = type.read(node, path, problems);
        if (value != null) {
            target.set(option, value);
        }
    }

    /** The default as shown in the documentation. */
    String documentedDefault() {
        switch (presence) {
            case REQUIRED:
                return "required";
            case DERIVED:
                return derivedDefault;
            default:
                return "`" + format(option.defaultValue()) + "`";
        }
    }

    private static String format(Object value) {
        return value instanceof Duration ? ValueTypes.formatDuration((Duration) value) : String.valueOf(value);
    }
}
