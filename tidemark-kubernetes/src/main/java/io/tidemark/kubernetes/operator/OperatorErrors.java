package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotProblems;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the errors the operator writes into a resource's {@code status.error}: usually the JSON
 * of its {@code FlinkResourceException} (type, message, and the list of causes), sometimes a
 * plain sentence (an abandoned snapshot). Turns them into one line, and recognizes the snapshot
 * problems of a restore by the sentences Flink's checkpoint loading uses, so that the operator
 * target gives them the same {@link SnapshotException.Reason}s as the REST target.
 */
final class OperatorErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LENGTH = 400;
    /** "org.apache.flink.Foo: " at the start of a message; wrapped exceptions repeat it. */
    private static final Pattern CLASS_PREFIX = Pattern.compile("^((?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*)): ");

    private OperatorErrors() {}

    /** The error on one line: the innermost cause the operator recorded, without the class names of its wrappers. */
    static String oneLine(@Nullable String error) {
        if (error == null || error.isBlank()) {
            return "the operator recorded no error message";
        }
        List<String> messages = messages(error);
        String text = messages.isEmpty() ? error : messages.get(messages.size() - 1);
        text = text.replaceAll("\\s*\\R\\s*", " ").strip();
        String simpleName = null;
        Matcher prefix = CLASS_PREFIX.matcher(text);
        while (prefix.find()) {
            simpleName = prefix.group(2);
            text = text.substring(prefix.end());
            prefix = CLASS_PREFIX.matcher(text);
        }
        if (simpleName != null && !simpleName.equals("SerializedThrowable")) {
            text = simpleName + ": " + text;
        }
        return text.length() > MAX_LENGTH ? text.substring(0, MAX_LENGTH) + "..." : text;
    }

    /**
     * The snapshot problem a failed restore comes from, if it is one a user can act on: nothing at
     * the path, no {@code _metadata} there, a {@code _metadata} Flink cannot read, or state the job
     * has no operator for. {@code action} names what failed and the path.
     */
    static Optional<SnapshotException> snapshotProblem(@Nullable String error, String action) {
        if (error == null) {
            return Optional.empty();
        }
        String text = String.join(" ", messages(error)).replaceAll("\\s*\\R\\s*", " ");
        return SnapshotProblems.of(text, action, null);
    }

    /** The messages in the error, outermost first: the FlinkResourceException's and its causes', or the text itself. */
    private static List<String> messages(String error) {
        String text = error.strip();
        List<String> messages = new ArrayList<>();
        if (text.startsWith("{")) {
            try {
                JsonNode node = JSON.readTree(text);
                add(messages, node);
                for (JsonNode cause : node.path("throwableList")) {
                    add(messages, cause);
                }
                return messages;
            } catch (IOException e) {
                // not the operator's JSON after all: read it as text
            }
        }
        messages.add(text);
        return messages;
    }

    private static void add(List<String> messages, JsonNode exception) {
        String message = exception.path("message").asText("");
        String type = exception.path("type").asText("");
        if (message.isBlank()) {
            return;
        }
        messages.add(type.isBlank() || message.startsWith(type) ? message : type + ": " + message);
    }
}
