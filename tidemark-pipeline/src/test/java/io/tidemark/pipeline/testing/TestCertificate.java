package io.tidemark.pipeline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One self-signed certificate for {@code 127.0.0.1} per test JVM, as the PEM files a database server reads
 * ({@code --ssl-cert}, {@code --ssl-key}). Made with the JDK's own {@code keytool}, so that TLS tests need no
 * {@code openssl}, and made once: MariaDB 11.4 and later make a certificate of their own at every start when
 * given none, which costs seconds per server.
 */
public final class TestCertificate {

    private static final String ALIAS = "server";
    private static final char[] STORE_PASSWORD = "tidemark-test".toCharArray();

    private static TestCertificate instance;

    private final Path certificate;
    private final Path key;

    private TestCertificate(Path certificate, Path key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** The certificate of this JVM, made on the first call. */
    public static synchronized TestCertificate get() throws IOException, InterruptedException {
        if (instance == null) {
            instance = make(Files.createTempDirectory("tidemark-test-tls"));
        }
        return instance;
    }

    /** The certificate, PEM. */
    public Path certificate() {
        return certificate;
    }

    /** The unencrypted PKCS #8 private key, PEM. */
    public Path key() {
        return key;
    }

    private static TestCertificate make(Path dir) throws IOException, InterruptedException {
        Path store = dir.resolve("server.p12");
        Path log = dir.resolve("keytool.log");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                        "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1",
                        "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", store.toString(),
                        "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(keytool + " could not make a test certificate; see " + log);
        }
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, STORE_PASSWORD);
            Key privateKey = keyStore.getKey(ALIAS, STORE_PASSWORD);
            Path certificate = Files.writeString(dir.resolve("server-cert.pem"),
                    pem("CERTIFICATE", keyStore.getCertificate(ALIAS).getEncoded()));
            Path key = Files.writeString(dir.resolve("server-key.pem"), pem("PRIVATE KEY", privateKey.getEncoded()));
            return new TestCertificate(certificate, key);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the test certificate from " + store + ": " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
