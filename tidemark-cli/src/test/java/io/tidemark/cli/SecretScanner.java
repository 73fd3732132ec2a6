package io.tidemark.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The secret scan's machinery (issue 16 item 4), shared by {@link SecretScanTest} (every command that
 * reads a pipeline file) and {@link RunningJobSecretScanITCase} (a running job): distinctive secret
 * values, and searches for them in text (each value, and its random part alone: a partial leak), in
 * bytes (UTF-8, UTF-16 as Java serialization writes chars, base64), in an exception's messages and
 * stack trace, in a command's stdout and stderr, and in every file under a directory. A search that
 * finds a value records where, with the line it is on; {@link #assertNoLeaks} fails with all of them.
 *
 * <p>{@link LogCapture} scans what this JVM itself prints and logs: it tees {@code System.out} and
 * {@code System.err} and switches log4j to the CLI's production configuration ({@code log4j2.xml}).
 */
final class SecretScanner {

    /** Part of every secret of this JVM: no other run's value is mistaken for this one's. */
    static final String RUN = HexFormat.of().formatHex(SecureRandom.getSeed(6));

    /** Each value searched for, in the order searched. */
    private final List<String> markers;
    /** What the searches found, shared with the scanners {@link #without} makes. */
    private final List<String> leaks;

    /** Scans for each of {@code secrets}, and for the random part after each one's last {@code -}. */
    SecretScanner(Collection<String> secrets) {
        this(markersOf(secrets), new ArrayList<>());
    }

    private SecretScanner(List<String> markers, List<String> leaks) {
        this.markers = markers;
        this.leaks = leaks;
    }

    /** A distinctive secret for {@code role}, ending in a random part of its own: {@code s3cr3t-ROLE-<random>}. */
    static String secret(String role) {
        return "s3cr3t-" + role + "-" + RUN + HexFormat.of().formatHex(SecureRandom.getSeed(3));
    }

    private static List<String> markersOf(Collection<String> secrets) {
        Set<String> markers = new LinkedHashSet<>();
        for (String secret : secrets) {
            markers.add(secret);
            markers.add(secret.substring(secret.lastIndexOf('-') + 1));
        }
        return List.copyOf(markers);
    }

    /**
     * This scanner without {@code allowed} (and its random part), for what may hold that one value;
     * its findings go to this scanner's.
     */
    SecretScanner without(String allowed) {
        String part = allowed.substring(allowed.lastIndexOf('-') + 1);
        return new SecretScanner(markers.stream().filter(m -> !m.equals(allowed) && !m.equals(part)).toList(), leaks);
    }

    /** The values searched for: each secret, and its random part alone. */
    List<String> markers() {
        return markers;
    }

    /** What was found so far. */
    List<String> leaks() {
        synchronized (leaks) {
            return List.copyOf(leaks);
        }
    }

    /** Records a finding that is not a value found (a scan that could not run as meant). */
    void report(String problem) {
        synchronized (leaks) {
            leaks.add(problem);
        }
    }

    /** Forgets what was found. */
    void clear() {
        synchronized (leaks) {
            leaks.clear();
        }
    }

    /** Text searched for each value; a finding shows the line it is on (at most 400 characters). */
    void scanText(String where, String text) {
        for (String marker : markers) {
            int at = text.indexOf(marker);
            if (at >= 0) {
                int from = Math.max(0, text.lastIndexOf('\n', at) + 1);
                int to = text.indexOf('\n', at) < 0 ? text.length() : text.indexOf('\n', at);
                report(where + ": contains a secret: " + text.substring(from, Math.min(to, from + 400)));
                return;
            }
        }
    }

    /** Bytes searched for each value in UTF-8, UTF-16 (Java serialization's chars) and base64. */
    void scanBytes(String where, byte[] bytes) {
        String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String marker : markers) {
            for (String encoded : List.of(marker,
                    new String(marker.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1),
                    new String(marker.getBytes(StandardCharsets.UTF_16LE), StandardCharsets.ISO_8859_1),
                    Base64.getEncoder().encodeToString(marker.getBytes(StandardCharsets.UTF_8)))) {
                if (latin1.contains(encoded)) {
                    report(where + ": contains a secret (" + encoded.length() + " bytes form of " + marker + ")");
                    return;
                }
            }
        }
    }

    /** Runs {@code action}, which must fail, and scans the failure's messages and stack trace. */
    void scanException(String where, Callable<?> action) {
        try {
            action.call();
            report(where + ": expected a failure on the closed ports, but it succeeded");
        } catch (Throwable e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            StringBuilder messages = new StringBuilder(trace.toString());
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t).append('\n');
                for (Throwable s : t.getSuppressed()) {
                    messages.append(s).append('\n');
                }
            }
            scanText(where + ": exception", messages.toString());
        }
    }

    /** A command's stdout and stderr. */
    void scanRun(String where, CliRun run) {
        scanText(where + ": stdout", run.out());
        scanText(where + ": stderr", run.err());
    }

    /** Scans the bytes of every file under {@code root} but those {@code skip} accepts; returns the files scanned. */
    List<Path> scanFiles(String where, Path root, Predicate<Path> skip) throws IOException {
        List<Path> scanned = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return scanned;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (!skip.test(file)) {
                    scanBytes(where + ": " + file, Files.readAllBytes(file));
                    scanned.add(file);
                }
            }
        }
        return scanned;
    }

    /** Fails with every finding, described by {@code description}. */
    void assertNoLeaks(String description, Object... args) {
        assertThat(leaks()).as(description, args).isEmpty();
    }

    /**
     * The CLI's own {@code log4j2.xml} (what {@code ./tidemark} runs with), from the CLI's classes
     * directory or jar (failsafe tests the packaged jar).
     */
    static URI productionLogConfig() throws Exception {
        Path location = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return Files.isDirectory(location)
                ? location.resolve("log4j2.xml").toUri()
                : URI.create("jar:" + location.toUri() + "!/log4j2.xml");
    }

    /**
     * What this JVM prints and logs while it is open: {@code System.out} and {@code System.err} are
     * copied to the original streams and kept (log4j's console appender for the config warnings binds
     * {@code System.err} when it is configured), and log4j runs with the CLI's production configuration,
     * its log file at {@code logFile}. Closing restores the streams, the log file property and the
     * previous configuration.
     */
    static final class LogCapture implements AutoCloseable {

        private final ByteArrayOutputStream streams = new ByteArrayOutputStream();
        private final PrintStream originalOut;
        private final PrintStream originalErr;
        private final String originalLogFile;
        private final URI originalLogConfig;

        private LogCapture(Path logFile) throws Exception {
            originalOut = System.out;
            originalErr = System.err;
            System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
            originalLogFile = System.getProperty(Logging.LOG_FILE_PROPERTY);
            System.setProperty(Logging.LOG_FILE_PROPERTY, logFile.toString());
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            originalLogConfig = context.getConfigLocation();
            context.setConfigLocation(productionLogConfig());
        }

        /** Starts capturing, with the log file {@code logFile}. */
        static LogCapture start(Path logFile) throws Exception {
            return new LogCapture(logFile);
        }

        /** What this JVM printed to stdout and stderr so far. */
        String printed() {
            System.out.flush();
            System.err.flush();
            synchronized (streams) {
                return streams.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            if (originalLogFile == null) {
                System.clearProperty(Logging.LOG_FILE_PROPERTY);
            } else {
                System.setProperty(Logging.LOG_FILE_PROPERTY, originalLogFile);
            }
            ((LoggerContext) LogManager.getContext(false)).setConfigLocation(originalLogConfig);
            System.setOut(originalOut);
            System.setErr(originalErr);
        }

        /** Copies what the process prints to the original stream and keeps it for the scan. */
        private final class Tee extends OutputStream {
            private final OutputStream original;

            Tee(OutputStream original) {
                this.original = original;
            }

            @Override
            public void write(int b) throws IOException {
                synchronized (streams) {
                    streams.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (streams) {
                    streams.write(b, off, len);
                }
                original.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                original.flush();
            }
        }
    }
}
