package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.configuration.Configuration;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The keys of one YAML mapping (a section, a sink, a route) in documentation order; reads such a
 * mapping into a Flink {@link Configuration}, reporting unknown, missing and invalid keys.
 */
record OptionSection(String name, List<OptionField<?>> fields) {

    OptionSection {
        fields = List.copyOf(fields);
        long distinct = fields.stream().map(OptionField::key).distinct().count();
        if (distinct != fields.size()) {
            throw new IllegalArgumentException(name + ": duplicate keys");
        }
    }

    static OptionSection of(String name, OptionField<?>... fields) {
        return new OptionSection(name, List.of(fields));
    }

    List<String> keys() {
        return fields.stream().map(OptionField::key).collect(Collectors.toList());
    }

    /**
     * Reads {@code node}, found at {@code path}. Only valid values end up in the result; keys that are
     * absent are absent from it, so {@link Configuration#get} falls back to the declared default.
     */
    Configuration read(ObjectNode node, String path, Problems problems) {
        Set<String> suggested = KeySuggestions.rejectUnknown(node, path, keys(), problems);
        Configuration values = new Configuration();
        for (OptionField<?> field : fields) {
            readField(field, node, path, values, problems, suggested);
        }
        return values;
    }

    /**
     * Reads one key of {@code node}. A missing required key is reported unless an unknown key was
     * already reported with this one as its suggestion.
     */
    static void readField(
            OptionField<?> field,
            ObjectNode node,
            String path,
            Configuration target,
            Problems problems,
            Set<String> suggested) {
        String fieldPath = Problems.child(path, field.key());
        JsonNode value = node.get(field.key());
        if (value == null || value.isNull()) {
            if (field.isRequired() && !suggested.contains(field.key())) {
                problems.add(fieldPath, requiredMessage(field.type().choices()));
            }
            return;
        }
        field.read(value, fieldPath, target, problems);
    }

    static String requiredMessage(List<String> choices) {
        return choices.isEmpty() ? "required" : "required; expected one of " + choices;
    }
}
