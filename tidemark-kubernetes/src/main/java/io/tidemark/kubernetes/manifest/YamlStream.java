package io.tidemark.kubernetes.manifest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A YAML text split into its documents (kustomize output and {@code kubectl} manifests hold several,
 * separated by {@code ---}). Trees are built from Jackson's YAML parser token by token, so that each
 * key keeps its line; aliases ({@code *name}) are resolved to their anchored node. A syntax error ends
 * the stream: the documents before it are kept, and the error says where it is.
 */
record YamlStream(List<YamlDocument> documents, Optional<SyntaxError> syntaxError) {

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    YamlStream {
        documents = List.copyOf(documents);
    }

    /**
     * A YAML syntax error.
     *
     * @param document 1-based index of the document it is in
     * @param line 1-based line, 0 if unknown
     * @param column 1-based column, 0 if unknown
     * @param message the parser's message, on one line
     */
    record SyntaxError(int document, int line, int column, String message) {}

    static YamlStream parse(String text) {
        List<YamlDocument> documents = new ArrayList<>();
        try (YAMLParser parser = FACTORY.createParser(text)) {
            while (parser.nextToken() != null) {
                DocumentBuilder builder = new DocumentBuilder(parser);
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode root = builder.read(YamlPath.ROOT);
                documents.add(new YamlDocument(documents.size() + 1, line, root, builder.lines, builder.duplicates));
            }
            return new YamlStream(documents, Optional.empty());
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? 0 : Math.max(at.getLineNr(), 0);
            int column = at == null ? 0 : Math.max(at.getColumnNr(), 0);
            return new YamlStream(documents, Optional.of(new SyntaxError(documents.size() + 1, line, column, syntaxMessage(e.getOriginalMessage()))));
        } catch (IOException e) {
            // the text is in memory: nothing to read can fail
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A snakeyaml message on one line: its context and problem lines ("while parsing a flow mapping",
     * "expected ',' or '}', but got <stream end>"), without the location and excerpt lines between them.
     */
    static String syntaxMessage(String message) {
        if (message == null || message.isBlank()) {
            return "unreadable YAML";
        }
        String joined = message.lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::strip)
                .collect(java.util.stream.Collectors.joining(": "));
        return joined.isEmpty() ? oneLine(message) : joined;
    }

    /** The first line of a message. */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "unreadable YAML";
        }
        return message.strip().lines().findFirst().orElse("").strip();
    }

    private static final class DocumentBuilder {
        private final YAMLParser parser;
        private final Map<YamlPath, Integer> lines = new HashMap<>();
        private final List<YamlPath> duplicates = new ArrayList<>();
        private final Map<String, JsonNode> anchors = new HashMap<>();

        DocumentBuilder(YAMLParser parser) {
            this.parser = parser;
        }

        /** Reads the value at the parser's current token, ending on its last token. */
        JsonNode read(YamlPath path) throws IOException {
            if (parser.isCurrentAlias()) {
                JsonNode anchored = anchors.get(parser.getText());
                return anchored != null ? anchored.deepCopy() : NODES.textNode("*" + parser.getText());
            }
            Object anchor = parser.getObjectId();
            JsonNode node = switch (parser.currentToken()) {
                case START_OBJECT -> readObject(path);
                case START_ARRAY -> readArray(path);
                case VALUE_STRING -> NODES.textNode(parser.getText());
                case VALUE_NUMBER_INT -> integer();
                case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                case VALUE_EMBEDDED_OBJECT -> NODES.pojoNode(parser.getEmbeddedObject());
                default -> NODES.nullNode();
            };
            if (anchor != null) {
                anchors.put(anchor.toString(), node);
            }
            return node;
        }

        private JsonNode integer() throws IOException {
            return switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
        }

        private ObjectNode readObject(YamlPath path) throws IOException {
            ObjectNode object = NODES.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                YamlPath child = path.key(name);
                if (object.has(name)) {
                    duplicates.add(child);
                }
                lines.put(child, parser.currentTokenLocation().getLineNr());
                parser.nextToken();
                object.set(name, read(child));
            }
            return object;
        }

        private ArrayNode readArray(YamlPath path) throws IOException {
            ArrayNode array = NODES.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                YamlPath child = path.index(array.size());
                lines.put(child, parser.currentTokenLocation().getLineNr());
                array.add(read(child));
            }
            return array;
        }
    }
}
