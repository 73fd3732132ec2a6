package io.tidemark.kubernetes.manifest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which names the checker takes for secrets, including the near misses it must leave alone. */
class SecretNamesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "DB_PASSWORD, true",
        "AWS_ACCESS_KEY_ID, true",
        "AWS_SECRET_ACCESS_KEY, true",
        "GITHUB_TOKEN, true",
        "SSH_KEY, true",
        "dbPassword, true",
        "REDIS_PASS, true",
        "GOOGLE_APPLICATION_CREDENTIALS, true",
        "DB_PW, true",
        "REDIS_AUTH, true",
        "AUTH_HEADER, true",
        "AUTHOR, false",
        "OAUTH_URL, false",
        "PWD, false",
        "KEYCLOAK_URL, false",
        "MONKEY, false",
        "ENABLE_BUILT_IN_PLUGINS, false",
        "TZ, false"
    })
    void environmentVariables(String name, boolean secret) {
        assertThat(SecretNames.isSecretEnvName(name)).isEqualTo(secret);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "s3.secret-key, true",
        "s3.access-key, true",
        "fs.s3a.secret.key, true",
        "fs.s3a.access.key, true",
        "security.ssl.rest.keystore-password, true",
        "metrics.reporter.influxdb.password, true",
        "password, true",
        "sasl-password, true",
        "redis.auth, true",
        "sink-pw, true",
        "security.delegation.tokens.enabled, false",
        "authority, false",
        "password-file, false",
        "secretName, false",
        "security.kerberos.login.keytab, false",
        "state.savepoints.dir, false",
        "username, false"
    })
    void configurationKeys(String key, boolean secret) {
        assertThat(SecretNames.isSecretConfigKey(key)).isEqualTo(secret);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "jdbc:postgresql://db:5432/shop?user=app&password=hunter2 | a password in a URL's password= parameter",
        "jdbc:mysql://db/shop;pwd=hunter2 | a password in a URL's pwd= parameter",
        "redis://:hunter2@cache:6379/0 | a password in a URL's user info (user:password@host)",
        "postgresql://app:hunter2@db/shop | a password in a URL's user info (user:password@host)",
        "AKIAIOSFODNN7EXAMPLE | an AWS access key id",
        "-----BEGIN RSA PRIVATE KEY----- MIIE | a private key",
        "jdbc:postgresql://db:5432/shop?password=${env:DB_PASSWORD} | ",
        "redis://cache:6379/0 | ",
        "jdbc:postgresql://db:5432/shop?sslmode=require | ",
        "s3://bucket/savepoints | ",
        "http://user@proxy:3128 | "
    })
    void valueShapes(String value, String shape) {
        assertThat(SecretNames.secretValueShape(value).orElse(null)).isEqualTo(shape);
    }
}
