package io.tidemark.kubernetes.manifest;

import java.util.List;
import java.util.Locale;

/**
 * Which names hold secrets: environment variables such as {@code DB_PASSWORD} or
 * {@code AWS_SECRET_ACCESS_KEY}, configuration keys such as {@code s3.secret-key} or a pipeline's
 * {@code password}. Errs towards calling a name secret, except for names that point at a secret
 * rather than hold one ({@code secretName}, {@code password-file}, {@code token.provider}, ...).
 * A value can give a secret away by its shape too ({@link #secretValueShape}): a password inside a
 * JDBC or Redis URL, an access key id, a private key.
 */
final class SecretNames {

    private static final List<String> SECRET_WORDS = List.of("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "PRIVATEKEY");
    private static final List<String> SECRET_TOKENS = List.of("KEY", "PASS", "PWD", "PW", "AUTH");
    private static final List<String> KEY_SUFFIXES = List.of("access-key", "access.key", "accesskey", "secret-key", "secret.key", "api-key");
    private static final List<String> POINTER_SUFFIXES = List.of("name", "ref", "file", "path", "dir", "enabled", "type", "provider", "mode");

    private SecretNames() {}

    /** An environment variable name whose value is a secret: a word of it is PASSWORD, SECRET, TOKEN, KEY, ... */
    static boolean isSecretEnvName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        String[] words = upper.split("[^A-Z0-9]+");
        for (String word : words) {
            if (SECRET_WORDS.stream().anyMatch(word::contains)) {
                return true;
            }
            // PWD alone is the shell's working directory
            if (SECRET_TOKENS.contains(word) && !(word.equals("PWD") && words.length == 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A configuration key whose value is a secret: its last dot-separated part names a password,
     * secret, token or credential ({@code security.ssl.keystore-password}, {@code sasl-password}), or
     * it is an access or secret key ({@code s3.access-key}, {@code fs.s3a.secret.key}).
     */
    static boolean isSecretConfigKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        String last = lower.substring(lower.lastIndexOf('.') + 1);
        if (POINTER_SUFFIXES.stream().anyMatch(last::endsWith)) {
            return false;
        }
        if (KEY_SUFFIXES.stream().anyMatch(lower::endsWith)) {
            return true;
        }
        String squeezed = last.replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
        if (SECRET_WORDS.stream().anyMatch(squeezed::contains)) {
            return true;
        }
        // redis.auth, db-pw, sink_pw: a whole word of the last part
        return List.of(last.toUpperCase(Locale.ROOT).split("[^A-Z0-9]+")).stream().anyMatch(w -> w.equals("AUTH") || w.equals("PW"));
    }

    /**
     * What a value's shape says it holds, whatever its name: a password inside a URL ({@code
     * jdbc:postgresql://db/shop?password=...}, {@code redis://:pw@host}), an AWS access key id, a
     * private key; empty for anything else, including a Tidemark secret reference in those places.
     */
    static java.util.Optional<String> secretValueShape(String value) {
        String v = value.strip();
        if (v.contains("-----BEGIN") && v.contains("PRIVATE KEY-----")) {
            return java.util.Optional.of("a private key");
        }
        if (v.matches("(?s).*\\b(AKIA|ASIA)[0-9A-Z]{16}\\b.*")) {
            return java.util.Optional.of("an AWS access key id");
        }
        java.util.regex.Matcher query = java.util.regex.Pattern
                .compile("(?i)[?&;](password|passwd|pwd|pass|auth|token|secret)=([^&;\\s]+)").matcher(v);
        if (query.find() && !isReference(query.group(2))) {
            return java.util.Optional.of("a password in a URL's " + query.group(1) + "= parameter");
        }
        java.util.regex.Matcher userInfo = java.util.regex.Pattern.compile("://[^/@\\s:]*:([^/@\\s]+)@").matcher(v);
        if (userInfo.find() && !isReference(userInfo.group(1))) {
            return java.util.Optional.of("a password in a URL's user info (user:password@host)");
        }
        return java.util.Optional.empty();
    }

    /** A Tidemark secret reference ({@code ${env:NAME}}, {@code ${file:/path}}): the loader reads anything starting with {@code ${} as one. */
    static boolean isReference(String value) {
        return value.strip().startsWith("${");
    }
}
