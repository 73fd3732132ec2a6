package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.util.TimeUtils;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The value types used by the option declarations. Every message is the tail of a one-line problem
 * ({@code expected 1..65535, got 70000}); values of secrets and JDBC URLs are never repeated.
 */
final class ValueTypes {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    static final Pattern SERVER_ID_RANGE = Pattern.compile("([0-9]{1,10})(?:\\s*-\\s*([0-9]{1,10}))?");
    static final Pattern ERROR_CODE = Pattern.compile("[0-9A-Za-z]{5}|[0-9]{1,6}");
    static final Pattern IDENTIFIER = Pattern.compile("[a-z0-9_]{1,63}");
    static final List<String> JDBC_PREFIXES = List.of("jdbc:postgresql:", "jdbc:mysql:", "jdbc:mariadb:");
    static final List<String> STORAGE_SCHEMES = List.of("file", "s3", "s3a", "s3p", "hdfs", "gs", "abfs", "oss");

    private static final Pattern INTEGER_TEXT = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)[?&;]password=");
    private static final Pattern USER_INFO = Pattern.compile("//[^/?#@]*:[^/?#@]*@");
    /** {@code user:password@} at the start of a value, after {@code //} or after a comma; up to the last {@code @}. */
    private static final Pattern ECHOED_USER_INFO = Pattern.compile("(^|//|,)[^\\s/@,]*:\\S*@");
    private static final String DURATION_EXAMPLES = "a duration such as 200ms, 60s, 2 min or 7d";
    private static final int MAX_SHOWN = 80;

    private ValueTypes() {}

    @FunctionalInterface
    private interface Reader<T> {
        T read(JsonNode node, String path, Problems problems);
    }

    private record Basic<T>(String description, List<String> choices, Reader<T> reader) implements ValueType<T> {
        @Override
        public T read(JsonNode node, String path, Problems problems) {
            return reader.read(node, path, problems);
        }
    }

    static ValueType<String> string() {
        return new Basic<>("string", List.of(), (node, path, problems) -> text(node, path, problems, "a string", true));
    }

    static ValueType<Integer> integer(int min, int max) {
        String range = max == Integer.MAX_VALUE ? "an integer >= " + min : min + ".." + max;
        return new Basic<>("int, " + (max == Integer.MAX_VALUE ? ">= " + min : range), List.of(), (node, path, problems) -> {
            long value;
            if (node.isIntegralNumber() && node.canConvertToLong()) {
                value = node.longValue();
            } else if (node.isIntegralNumber()) {
                problems.add(path, "expected " + range + ", got " + node.asText());
                return null;
            } else if (node.isTextual() && INTEGER_TEXT.matcher(node.textValue().trim()).matches()) {
                try {
                    value = Long.parseLong(node.textValue().trim());
                } catch (NumberFormatException e) {
                    problems.add(path, "expected " + range + ", got " + node.textValue().trim());
                    return null;
                }
            } else {
                problems.add(path, "expected an integer, got " + describe(node));
                return null;
            }
            if (value < min || value > max) {
                problems.add(path, "expected " + range + ", got " + value);
                return null;
            }
            return (int) value;
        });
    }

    /** A duration in Flink's syntax; a number without unit is milliseconds, as in Flink. */
    static ValueType<Duration> duration(boolean zeroAllowed) {
        return new Basic<>("duration, " + (zeroAllowed ? ">= 0" : "> 0"), List.of(), (node, path, problems) -> {
            Duration value = null;
            if (node.isValueNode()) {
                try {
                    value = TimeUtils.parseDuration(node.asText().trim());
                } catch (RuntimeException e) {
                    // reported below
                }
            }
            if (value == null) {
                problems.add(path, "expected " + DURATION_EXAMPLES + ", got " + describe(node));
                return null;
            }
            if (!zeroAllowed && value.isZero()) {
                problems.add(path, "expected a duration > 0, got " + describe(node));
                return null;
            }
            return value;
        });
    }

    /** One of a fixed list of words, case-insensitive; returns the canonical spelling. */
    static ValueType<String> oneOf(List<String> choices) {
        return new Basic<>("one of: " + String.join(", ", choices), List.copyOf(choices), (node, path, problems) -> {
            String text = text(node, path, problems, "one of " + choices, true);
            if (text == null) {
                return null;
            }
            for (String choice : choices) {
                if (choice.equalsIgnoreCase(text.trim())) {
                    return choice;
                }
            }
            problems.add(path, "expected one of " + choices + ", got " + describe(node));
            return null;
        });
    }

    /** A constant of {@code type}, matched case-insensitively on its YAML spelling or its name. */
    static <E extends Enum<E>> ValueType<E> enumOf(Class<E> type) {
        E[] constants = type.getEnumConstants();
        List<String> choices = Arrays.stream(constants).map(Object::toString).collect(Collectors.toList());
        return new Basic<>("one of: " + String.join(", ", choices), choices, (node, path, problems) -> {
            String text = text(node, path, problems, "one of " + choices, true);
            if (text == null) {
                return null;
            }
            String wanted = text.trim();
            for (E constant : constants) {
                if (constant.toString().equalsIgnoreCase(wanted)
                        || constant.name().equalsIgnoreCase(wanted.replace('-', '_'))) {
                    return constant;
                }
            }
            problems.add(path, "expected one of " + choices + ", got " + describe(node));
            return null;
        });
    }

    /** A lowercase name used in job names, operator uids and routes. */
    static ValueType<String> name() {
        return matching(
                NAME,
                "lowercase letters, digits and '-' (not first), at most 63 characters",
                "string: lowercase letters, digits and '-' (not first), at most 63 characters");
    }

    /** A PostgreSQL identifier that needs no quoting, such as a slot or publication name. */
    static ValueType<String> identifier() {
        return matching(
                IDENTIFIER,
                "1 to 63 lowercase letters, digits or '_'",
                "string: 1 to 63 lowercase letters, digits or '_'");
    }

    /** A MySQL replication server id or an inclusive range of them, such as {@code 5400-5403}. */
    static ValueType<String> serverIdRange() {
        return new Basic<>("string: an id or a range such as 5400-5403 (1..4294967295)", List.of(), (node, path, problems) -> {
            String text = text(node, path, problems, "a server id or a range such as 5400-5403", true);
            if (text == null) {
                return null;
            }
            java.util.regex.Matcher m = SERVER_ID_RANGE.matcher(text.trim());
            if (!m.matches()) {
                problems.add(path, "expected a server id or a range such as 5400-5403, got " + describe(node));
                return null;
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2) == null ? first : Long.parseLong(m.group(2));
            if (first < 1 || last > 4_294_967_295L || last < first) {
                problems.add(path, "expected ids in 1..4294967295 with the first not above the last, got " + text.trim());
                return null;
            }
            return text.trim();
        });
    }

    /** A time-zone id that {@link java.time.ZoneId#of} accepts, such as {@code UTC} or {@code Europe/Berlin}. */
    static ValueType<String> zoneId() {
        return new Basic<>("string: a time-zone id such as UTC or Europe/Berlin", List.of(), (node, path, problems) -> {
            String text = text(node, path, problems, "a time-zone id such as UTC or Europe/Berlin", true);
            if (text == null) {
                return null;
            }
            try {
                return java.time.ZoneId.of(text.trim()).getId();
            } catch (java.time.DateTimeException e) {
                problems.add(path, "expected a time-zone id such as UTC or Europe/Berlin, got " + describe(node));
                return null;
            }
        });
    }

    /** A list of SQLSTATE codes (five characters) or vendor error numbers, such as {@code [40001, 1213]}. */
    static ValueType<List<String>> errorCodes() {
        return new Basic<>("list of SQLSTATEs or vendor error codes", List.of(), (node, path, problems) -> {
            if (!node.isArray()) {
                problems.add(path, "expected a list of SQLSTATEs or vendor error codes, got " + describe(node));
                return null;
            }
            List<String> codes = new ArrayList<>();
            boolean valid = true;
            for (int i = 0; i < node.size(); i++) {
                String code = node.get(i).isValueNode() ? node.get(i).asText().trim() : "";
                if (!ERROR_CODE.matcher(code).matches()) {
                    problems.add(Problems.index(path, i),
                            "expected a SQLSTATE (5 characters, such as 40001) or a vendor error number, got "
                                    + describe(node.get(i)));
                    valid = false;
                } else {
                    codes.add(code.toUpperCase(java.util.Locale.ROOT));
                }
            }
            return valid ? List.copyOf(codes) : null;
        });
    }

    /** A {@link Secret} as written; checked for shape only, never resolved here, never echoed. */
    static ValueType<String> secretReference() {
        return new Basic<>("secret: ${env:NAME}, ${file:/path} or literal", List.of(), (node, path, problems) -> {
            String text = text(node, path, problems, "a secret reference such as ${env:NAME}", false);
            if (text == null) {
                return null;
            }
            try {
                Secret.of(text);
            } catch (IllegalArgumentException e) {
                problems.add(path, e.getMessage());
                return null;
            }
            return text;
        });
    }

    /** A JDBC URL for a supported database, without credentials; never echoed, as it may hold some. */
    static ValueType<String> jdbcUrl() {
        return new Basic<>("JDBC URL", List.of(), (node, path, problems) -> {
            String text = text(node, path, problems, "a JDBC URL", false);
            if (text == null) {
                return null;
            }
            String url = text.trim();
            if (JDBC_PREFIXES.stream().noneMatch(url::startsWith)) {
                problems.add(path, "expected a URL starting with " + joinOr(JDBC_PREFIXES));
                return null;
            }
            if (PASSWORD_PARAMETER.matcher(url).find()) {
                problems.add(
                        path,
                        "must not contain a password= parameter; put the password in "
                                + Problems.sibling(path, "password"));
                return null;
            }
            if (USER_INFO.matcher(url).find()) {
                problems.add(
                        path,
                        "must not contain user:password@ credentials; use " + Problems.sibling(path, "username")
                                + " and " + Problems.sibling(path, "password"));
                return null;
            }
            return url;
        });
    }

    /** A directory URI on a file system Flink can write checkpoints to. */
    static ValueType<String> storageUri() {
        String schemes = String.join(", ", STORAGE_SCHEMES);
        return new Basic<>("URI: " + schemes, List.of(), (node, path, problems) -> {
            String text = text(node, path, problems, "a URI", true);
            if (text == null) {
                return null;
            }
            String uri = text.trim();
            String scheme;
            try {
                scheme = new URI(uri).getScheme();
            } catch (URISyntaxException e) {
                problems.add(
                        path,
                        "expected a URI such as file:///var/lib/tidemark or s3://bucket/tidemark, got "
                                + describe(node));
                return null;
            }
            if (USER_INFO.matcher(uri).find()) {
                problems.add(path, "must not contain credentials (user:password@); give the file system its keys in"
                        + " Flink's configuration or environment (for S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
                return null;
            }
            if (scheme == null || !STORAGE_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT))) {
                String hint = scheme == null && uri.startsWith("/") ? "; use file://" + uri : "";
                problems.add(path, "expected a URI with a scheme among " + schemes + ", got " + describe(node) + hint);
                return null;
            }
            return uri;
        });
    }

    static ValueType<String> matching(Pattern pattern, String expectation, String description) {
        return new Basic<>(description, List.of(), (node, path, problems) -> {
            String text = text(node, path, problems, expectation, true);
            if (text == null) {
                return null;
            }
            if (!pattern.matcher(text).matches()) {
                problems.add(path, "expected " + expectation + ", got " + describe(node));
                return null;
            }
            return text;
        });
    }

    /** Reads a scalar as text; lists, mappings and blank values are problems. */
    private static String text(JsonNode node, String path, Problems problems, String expected, boolean showValue) {
        if (!node.isValueNode()) {
            problems.add(path, "expected " + expected + ", got " + describe(node));
            return null;
        }
        String text = node.asText();
        if (text.isBlank()) {
            problems.add(path, "expected " + expected + ", got " + (showValue ? describe(node) : "an empty value"));
            return null;
        }
        return text;
    }

    private static <T> T missing(String path, Problems problems, String message) {
        problems.add(path, message);
        return null;
    }

    /** A YAML value for a problem message: quoted and shortened text, numbers as they are. */
    static String describe(JsonNode node) {
        if (node.isTextual()) {
            return quote(node.textValue());
        }
        if (node.isArray()) {
            return node.isEmpty() ? "an empty list" : "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isNull() || node.isMissingNode()) {
            return "nothing";
        }
        return node.asText();
    }

    static String quote(String text) {
        // a value pasted with its credentials (a URI, host:port) is echoed without them
        String masked = ECHOED_USER_INFO.matcher(text).replaceAll("$1***@");
        String shown = masked.length() > MAX_SHOWN ? masked.substring(0, MAX_SHOWN) + "..." : masked;
        return "\""
                + shown.replace("\\", "\\\\")
                        .replace("\"", "\\\"")
                        .replace("\n", "\\n")
                        .replace("\r", "\\r")
                        .replace("\t", "\\t")
                + "\"";
    }

    /** The shortest exact spelling: 7d, 60s, 200ms. */
    static String formatDuration(Duration duration) {
        long millis = duration.toMillis();
        if (millis != 0 && millis % 86_400_000L == 0) {
            return millis / 86_400_000L + "d";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    static String joinOr(List<String> words) {
        if (words.size() == 1) {
            return words.get(0);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    }
}
