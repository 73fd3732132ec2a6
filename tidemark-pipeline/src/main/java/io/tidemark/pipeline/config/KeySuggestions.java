package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Rejects unknown keys with the nearest valid key, because most unknown keys are typos. */
final class KeySuggestions {

    private KeySuggestions() {}

    /**
     * Reports every key of {@code node} that is not in {@code validKeys}.
     *
     * @return the valid keys that were offered as suggestions, so that they are not also reported as
     *     missing
     */
    static Set<String> rejectUnknown(ObjectNode node, String path, List<String> validKeys, Problems problems) {
        Set<String> suggested = new HashSet<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (validKeys.contains(key)) {
                continue;
            }
            Optional<String> nearest = nearest(key, validKeys);
            if (nearest.isPresent()) {
                suggested.add(nearest.get());
                problems.add(
                        Problems.child(path, key),
                        "unknown key; did you mean " + Problems.child(path, nearest.get()) + "?");
            } else {
                problems.add(
                        Problems.child(path, key), "unknown key; valid keys are " + String.join(", ", validKeys));
            }
        }
        return suggested;
    }

    /**
     * The candidate closest to {@code key}: equal once case, '-' and '_' are ignored, or within an
     * edit distance of a third of the key's length (at least 1, at most 3).
     */
    static Optional<String> nearest(String key, List<String> candidates) {
        String normalizedKey = normalize(key);
        int limit = Math.max(1, Math.min(3, key.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = normalize(candidate).equals(normalizedKey)
                    ? 0
                    : distance(key.toLowerCase(Locale.ROOT), candidate);
            if (distance <= limit && distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Optimal string alignment distance: Levenshtein plus transposition of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1
                        && j > 1
                        && a.charAt(i - 1) == b.charAt(j - 2)
                        && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
