package io.tidemark.pipeline.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretTest {

    private static final String VALUE = "s3cr3t-value";

    @Test
    void envReferenceResolvesFromTheEnvironment() {
        Secret secret = Secret.of("${env:SOURCE_PASSWORD}");

        assertThat(secret.resolve(Map.of("SOURCE_PASSWORD", VALUE)::get)).isEqualTo(VALUE);
    }

    @Test
    void envReferenceResolvesFromTheProcessEnvironmentByDefault() {
        String name = System.getenv().keySet().stream()
                .filter(key -> key.matches("[A-Za-z_][A-Za-z0-9_]*") && !System.getenv(key).isEmpty())
                .findFirst()
                .orElseThrow();

        assertThat(Secret.of("${env:" + name + "}").resolve()).isEqualTo(System.getenv(name));
    }

    @Test
    void missingEnvVariableIsNamedInTheError() {
        Secret secret = Secret.of("${env:TIDEMARK_TEST_UNSET}");

        assertThatThrownBy(() -> secret.resolve(name -> null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("environment variable TIDEMARK_TEST_UNSET is not set; export it where the job runs");
    }

    @Test
    void emptyEnvVariableIsAnError() {
        Secret secret = Secret.of("${env:SOURCE_PASSWORD}");

        assertThatThrownBy(() -> secret.resolve(Map.of("SOURCE_PASSWORD", "")::get))
                .hasMessage("environment variable SOURCE_PASSWORD is empty; give it the password");
    }

    @Test
    void fileReferenceResolvesWithoutTheTrailingLineBreak(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), VALUE + "\n");

        assertThat(Secret.of("${file:" + file + "}").resolve()).isEqualTo(VALUE);
    }

    @Test
    void missingFileIsNamedInTheError(@TempDir Path dir) {
        Path file = dir.resolve("absent");

        assertThatThrownBy(() -> Secret.of("${file:" + file + "}").resolve())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("secret file " + file + " does not exist or is not a regular file");
    }

    @Test
    void emptyFileIsAnError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "\n");

        assertThatThrownBy(() -> Secret.of("${file:" + file + "}").resolve())
                .hasMessage("secret file " + file + " is empty");
    }

    @Test
    void literalResolvesToItself() {
        assertThat(Secret.of(VALUE).resolve()).isEqualTo(VALUE);
        assertThat(Secret.of(VALUE).isLiteral()).isTrue();
        assertThat(Secret.literal(VALUE)).isEqualTo(Secret.of(VALUE));
    }

    @Test
    void toStringShowsTheReferenceButNeverTheValue(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), VALUE);
        Secret env = Secret.of("${env:SOURCE_PASSWORD}");
        Secret fromFile = Secret.of("${file:" + file + "}");
        Secret literal = Secret.literal(VALUE);
        env.resolve(Map.of("SOURCE_PASSWORD", VALUE)::get);
        fromFile.resolve();

        assertThat(env).hasToString("${env:SOURCE_PASSWORD}");
        assertThat(fromFile).hasToString("${file:" + file + "}");
        assertThat(literal).hasToString("******");
        assertThat(new PostgresSourceDef("h", 5432, "db", "u", literal, java.util.List.of("public.t"), "s", "p", 1,
                        StartupMode.INITIAL).toString())
                .doesNotContain(VALUE);
    }

    @Test
    void equalityIsByReference() {
        assertThat(Secret.of("${env:A}")).isEqualTo(Secret.of("${env:A}")).hasSameHashCodeAs(Secret.of("${env:A}"));
        assertThat(Secret.of("${env:A}")).isNotEqualTo(Secret.of("${env:B}"));
        assertThat(Secret.of("${env:A}")).isNotEqualTo(Secret.of("${file:/A}"));
        assertThat(Secret.of("${env:A}")).isNotEqualTo(Secret.literal("A"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "${env:}        | malformed secret reference; ${env:NAME} needs a variable name of letters, digits and '_'",
                "${env:MY-VAR}  | malformed secret reference; ${env:NAME} needs a variable name of letters, digits and '_'",
                "${file:}       | malformed secret reference; ${file:PATH} needs an absolute path",
                "${file:a/b}    | malformed secret reference; ${file:PATH} needs an absolute path",
                "${foo:bar}     | unknown secret reference; use ${env:NAME}, ${file:/absolute/path} or a literal value",
                "${SECRET_X}    | unknown secret reference; use ${env:NAME}, ${file:/absolute/path} or a literal value",
                "${env:SECRET_X | malformed secret reference; it starts with ${ but does not end with }",
            })
    void malformedReferencesAreRejectedWithoutRepeatingThem(String raw, String message) {
        assertThatThrownBy(() -> Secret.of(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message)
                .message()
                .doesNotContain("SECRET_X", "MY-VAR", "a/b", "bar");
    }
}
