package io.tidemark.kubernetes.manifest;

import java.util.List;
import java.util.Locale;

/**
 * Which names hold secrets: environment variables such as {@code DB_PASSWORD} or
 * {@code AWS_SECRET_ACCESS_KEY}, configuration keys such as {@code s3.secret-key} or a pipeline's
 * {@code password}. Errs towards calling a name secret, except for names that point at a secret
 * rather than hold one ({@code secretName}, {@code password-file}, {@code token.provider}, ...).
 */
final class SecretNames {

    private static final List<String> SECRET_WORDS = List.of("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "PRIVATEKEY");
    private static final List<String> SECRET_TOKENS = List.of("KEY", "PASS", "PWD");
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
        return SECRET_WORDS.stream().anyMatch(squeezed::contains);
    }

    /** A Tidemark secret reference ({@code ${env:NAME}}, {@code ${file:/path}}): the loader reads anything starting with {@code ${} as one. */
    static boolean isReference(String value) {
        return value.strip().startsWith("${");
    }
}
