package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads resources into the Flink Kubernetes Operator's own model classes (operator API 1.10), the way
 * the operator's fabric8-based client reads them, and reports what the model cannot read as one
 * finding at the offending path instead of an exception.
 */
final class OperatorModel {

    private static final Pattern ENUM_VALUES = Pattern.compile("accepted for Enum class: \\[([^]]*)]");

    /** Shared: building the deserializers of the model (pod templates included) is what takes time, once. */
    private static final ObjectMapper MAPPER = fabric8Mapper();

    private static ObjectMapper fabric8Mapper() {
        ObjectMapper mapper = new ObjectMapper();
        // configures the mapper as fabric8 configures its own: the model's modules and settings
        new KubernetesSerialization(mapper, false);
        return mapper;
    }

    /** The document as {@code type}, or empty after reporting why it cannot be one. */
    <T> Optional<T> read(JsonNode root, Class<T> type, DocumentFindings findings) {
        try {
            return Optional.of(MAPPER.treeToValue(root, type));
        } catch (JsonMappingException e) {
            YamlPath path = YamlPath.ROOT;
            for (JsonMappingException.Reference ref : e.getPath()) {
                path = ref.getFieldName() != null ? path.key(ref.getFieldName()) : path.index(ref.getIndex());
            }
            findings.error(path, "the operator's " + type.getSimpleName() + " model cannot read it: " + describe(e, path.in(root)));
            return Optional.empty();
        } catch (Exception e) {
            findings.error(YamlPath.ROOT, "the operator's " + type.getSimpleName() + " model cannot read it: " + YamlStream.oneLine(e.getMessage()));
            return Optional.empty();
        }
    }

    /**
     * Reports the fields of {@code raw} that the model does not have (a typo such as {@code upgradMode}):
     * the model drops them, and {@code kubectl apply} (strict field validation) rejects them. Found by
     * writing the model back out: maps take any key and Kubernetes' own types (pod templates, metadata)
     * keep unknown ones, so in effect only the operator's own objects report them.
     */
    void unknownFields(JsonNode raw, Object model, DocumentFindings findings) {
        compare(raw, MAPPER.valueToTree(model), YamlPath.ROOT, findings);
    }

    private static void compare(JsonNode raw, JsonNode known, YamlPath path, DocumentFindings findings) {
        if (raw.isObject() && known.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = raw.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode value = field.getValue();
                YamlPath child = path.key(field.getKey());
                if (!known.has(field.getKey())) {
                    if (!value.isNull() && !(value.isContainerNode() && value.isEmpty())) {
                        findings.warning(child, "unknown field: the operator ignores it, and kubectl apply rejects it; check its spelling and place");
                    }
                } else {
                    compare(value, known.get(field.getKey()), child, findings);
                }
            }
        } else if (raw.isArray() && known.isArray() && raw.size() == known.size()) {
            for (int i = 0; i < raw.size(); i++) {
                compare(raw.get(i), known.get(i), path.index(i), findings);
            }
        }
    }

    /** "expected X, got Y" for a value of the wrong type or an unknown enum constant. */
    private static String describe(JsonMappingException e, JsonNode actual) {
        Class<?> target = e instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
        String expected = expected(target, e.getOriginalMessage());
        if (expected == null) {
            return YamlStream.oneLine(e.getOriginalMessage());
        }
        return "expected " + expected + ", got " + shown(actual);
    }

    private static String expected(Class<?> target, String message) {
        if (target == null) {
            return null;
        }
        if (target.isEnum()) {
            Matcher values = ENUM_VALUES.matcher(message == null ? "" : message);
            return values.find() ? "one of " + values.group(1) : "one of " + Arrays.toString(target.getEnumConstants());
        }
        if (target.isArray() || Collection.class.isAssignableFrom(target)) {
            return "a list";
        }
        if (target == String.class) {
            return "a string";
        }
        if (target == int.class || target == Integer.class || target == long.class || target == Long.class) {
            return "an integer";
        }
        if (target == double.class || target == Double.class || target == float.class || target == Float.class) {
            return "a number";
        }
        if (target == boolean.class || target == Boolean.class) {
            return "true or false";
        }
        return "a mapping";
    }

    private static String shown(JsonNode actual) {
        if (actual.isObject()) {
            return "a mapping";
        }
        if (actual.isArray()) {
            return "a list";
        }
        if (actual.isTextual()) {
            return CheckpointRules.quoted(actual.asText());
        }
        return actual.isMissingNode() ? "nothing" : actual.toString();
    }
}
