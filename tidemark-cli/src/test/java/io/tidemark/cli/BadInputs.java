package io.tidemark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The generators of {@link BadInputCampaignTest}: a YAML document's leaf paths, the document with
 * one leaf removed or replaced, and junk values and command-line arguments, all drawn from the
 * caller's seeded {@link Random}.
 */
final class BadInputs {

    private static final YAMLMapper YAML = new YAMLMapper();

    private BadInputs() {}

    static void collectPaths(JsonNode node, List<Object> path, List<List<Object>> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                List<Object> child = new ArrayList<>(path);
                child.add(e.getKey());
                collectPaths(e.getValue(), child, out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                List<Object> child = new ArrayList<>(path);
                child.add(i);
                collectPaths(node.get(i), child, out);
            }
        } else {
            out.add(path);
        }
    }

    static String removed(JsonNode base, List<Object> path) throws IOException {
        JsonNode copy = base.deepCopy();
        JsonNode parent = at(copy, path.subList(0, path.size() - 1));
        Object last = path.get(path.size() - 1);
        if (parent instanceof ObjectNode object) {
            object.remove((String) last);
        } else if (parent instanceof ArrayNode array) {
            array.remove((Integer) last);
        }
        return YAML.writeValueAsString(copy);
    }

    static String replaced(JsonNode base, List<Object> path, JsonNode value) throws IOException {
        JsonNode copy = base.deepCopy();
        JsonNode parent = at(copy, path.subList(0, path.size() - 1));
        Object last = path.get(path.size() - 1);
        if (parent instanceof ObjectNode object) {
            object.set((String) last, value);
        } else if (parent instanceof ArrayNode array) {
            array.set((Integer) last, value);
        }
        return YAML.writeValueAsString(copy);
    }

    private static JsonNode at(JsonNode node, List<Object> path) {
        for (Object step : path) {
            node = step instanceof Integer i ? node.get(i) : node.get((String) step);
        }
        return node;
    }

    static JsonNode junkValue(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(14)) {
            case 0 -> f.textNode("");
            case 1 -> f.nullNode();
            case 2 -> f.numberNode(-1);
            case 3 -> f.numberNode(new java.math.BigInteger("99999999999999999999999999"));
            case 4 -> f.numberNode(1e308);
            case 5 -> f.booleanNode(random.nextBoolean());
            case 6 -> f.arrayNode().add("a").add(2);
            case 7 -> f.objectNode().put("nested", "x");
            case 8 -> f.textNode("x".repeat(100_000));
            case 9 -> f.textNode("\u0000\u0001\u0007\uFFFF");
            case 10 -> f.textNode("${env:TIDEMARK_CAMPAIGN_NOT_SET}");
            case 11 -> f.textNode("../../../etc/passwd");
            case 12 -> f.textNode("-5s");
            default -> f.textNode(junkText(random));
        };
    }

    static String junkArgument(Random random, Path dir) throws IOException {
        return switch (random.nextInt(10)) {
            case 0 -> "";
            case 1 -> "-1";
            case 2 -> "99999999999999999999";
            case 3 -> "abc";
            case 4 -> "0s";
            case 5 -> junkText(random);
            case 6 -> dir.resolve("does-not-exist").toString();
            case 7 -> {
                byte[] junk = new byte[512];
                random.nextBytes(junk);
                yield Files.write(Files.createTempFile(dir, "pipeline-arg-", ".yaml"), junk).toString();
            }
            case 8 -> "http://127.0.0.1:1"; // nothing listens there
            default -> "x".repeat(10_000);
        };
    }

    static String junkText(Random random) {
        StringBuilder s = new StringBuilder();
        int length = 1 + random.nextInt(40);
        for (int i = 0; i < length; i++) {
            s.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0x3000)));
        }
        return s.toString();
    }
}
