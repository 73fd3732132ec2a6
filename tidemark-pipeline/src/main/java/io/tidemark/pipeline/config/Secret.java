package io.tidemark.pipeline.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A password as written in the pipeline file: a reference ({@code ${env:NAME}}, {@code ${file:/path}})
 * or, for local use only, a literal. It is resolved only when a connection is opened, and its
 * {@link #toString()} never reveals the value.
 *
 * <p>Any value starting with {@code ${} is read as a reference; put a literal that starts that way in
 * a file and use {@code ${file:...}}.
 */
public final class Secret implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String MASK = "******";

    private enum Kind {
        ENV,
        FILE,
        LITERAL
    }

    private final Kind kind;
    /** The variable name, the file path, or the literal value itself. */
    private final String reference;

    private Secret(Kind kind, String reference) {
        this.kind = kind;
        this.reference = reference;
    }

    /**
     * Reads a secret as written in the pipeline file.
     *
     * @throws IllegalArgumentException if {@code raw} starts with {@code ${} but is not a valid
     *     reference; the message does not repeat {@code raw}
     */
    public static Secret of(String raw) {
        Objects.requireNonNull(raw, "raw cannot be null");
        if (!raw.startsWith("${")) {
            return new Secret(Kind.LITERAL, raw);
        }
        if (!raw.endsWith("}")) {
            throw new IllegalArgumentException(
                    "malformed secret reference; it starts with ${ but does not end with }");
        }
        String body = raw.substring(2, raw.length() - 1);
        int colon = body.indexOf(':');
        String provider = colon < 0 ? body : body.substring(0, colon);
        String argument = colon < 0 ? "" : body.substring(colon + 1);
        switch (provider) {
            case "env":
                if (!ENV_NAME.matcher(argument).matches()) {
                    throw new IllegalArgumentException(
                            "malformed secret reference; ${env:NAME} needs a variable name of"
                                    + " letters, digits and '_'");
                }
                return new Secret(Kind.ENV, argument);
            case "file":
                if (!isAbsolutePath(argument)) {
                    throw new IllegalArgumentException(
                            "malformed secret reference; ${file:PATH} needs an absolute path");
                }
                return new Secret(Kind.FILE, argument);
            default:
                throw new IllegalArgumentException(
                        "unknown secret reference; use ${env:NAME}, ${file:/absolute/path} or a"
                                + " literal value");
        }
    }

    /** A literal secret, for tests and local runs. */
    public static Secret literal(String value) {
        return new Secret(Kind.LITERAL, Objects.requireNonNull(value, "value cannot be null"));
    }

    /** True for a literal value; callers may warn that references are preferred. */
    public boolean isLiteral() {
        return kind == Kind.LITERAL;
    }

    /**
     * Returns the secret value, reading the environment variable or the file now. A trailing line
     * break in a file is dropped.
     *
     * @throws IllegalStateException if the variable is unset or empty, or the file is missing,
     *     unreadable or empty; the message names the variable or file
     */
    public String resolve() {
        return resolve(System::getenv);
    }

    /** As {@link #resolve()}, looking environment variables up in {@code environment}. */
    String resolve(Function<String, String> environment) {
        switch (kind) {
            case LITERAL:
                return reference;
            case ENV:
                String value = environment.apply(reference);
                if (value == null) {
                    throw new IllegalStateException(
                            "environment variable " + reference + " is not set; export it where the job runs");
                }
                if (value.isEmpty()) {
                    throw new IllegalStateException(
                            "environment variable " + reference + " is empty; give it the password");
                }
                return value;
            case FILE:
                return readFile(Path.of(reference));
            default:
                throw new AssertionError(kind);
        }
    }

    private String readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(
                    "secret file " + reference + " does not exist or is not a regular file");
        }
        String content;
        try {
            content = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read secret file " + reference + " (" + e.getClass().getSimpleName() + ")", e);
        }
        int end = content.length();
        while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new IllegalStateException("secret file " + reference + " is empty");
        }
        return content.substring(0, end);
    }

    private static boolean isAbsolutePath(String path) {
        try {
            return !path.isEmpty() && Path.of(path).isAbsolute();
        } catch (InvalidPathException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Secret)) {
            return false;
        }
        Secret other = (Secret) o;
        return kind == other.kind && reference.equals(other.reference);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, reference);
    }

    /** The reference for {@code env} and {@code file} secrets, a mask for literals. */
    @Override
    public String toString() {
        switch (kind) {
            case ENV:
                return "${env:" + reference + "}";
            case FILE:
                return "${file:" + reference + "}";
            default:
                return MASK;
        }
    }
}
