package io.tidemark.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of the {@code ./tidemark} launcher or of a script under {@code scripts/} as a process from
 * the repository root, as a user runs them, with what it printed. The cluster and pipeline
 * variables of the test's own environment are removed; {@code env} adds the run's own.
 */
record ShellRun(int exitCode, String out, String err) {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    /** Runs {@code ./tidemark args}. */
    static ShellRun tidemark(Map<String, String> env, String... args) throws Exception {
        return run(ROOT.resolve("tidemark"), env, args);
    }

    /** Runs {@code scripts/name args}. */
    static ShellRun script(String name, Map<String, String> env, String... args) throws Exception {
        return run(ROOT.resolve("scripts").resolve(name), env, args);
    }

    /**
     * Starts {@code ./tidemark args} in the background, its stdout and stderr going to files that can
     * be read while it runs (a command that runs until stopped, like {@code run}).
     */
    static Background start(Path dir, Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "tidemark-out", ".txt");
        Path err = Files.createTempFile(dir, "tidemark-err", ".txt");
        Process process = builder(ROOT.resolve("tidemark"), env, args)
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Background(process, out, err);
    }

    /** A {@code tidemark} process running in the background; {@link #close} stops it as Ctrl-C does (SIGTERM). */
    record Background(Process process, Path out, Path err) implements AutoCloseable {

        List<String> outLines() throws java.io.IOException {
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        }

        List<String> errLines() throws java.io.IOException {
            return Files.readAllLines(err, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
        }

        @Override
        public String toString() {
            try {
                return "--- stdout\n" + String.join("\n", outLines()) + "\n--- stderr\n" + String.join("\n", errLines());
            } catch (java.io.IOException e) {
                return e.toString();
            }
        }
    }

    private static ProcessBuilder builder(Path executable, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().remove("TIDEMARK_REST_ADDRESS");
        pb.environment().remove("TIDEMARK_PIPELINE");
        pb.environment().remove("TIDEMARK_CLUSTER_DIR");
        pb.environment().put("TIDEMARK_SKIP_BUILD", "1"); // `verify` packaged the jars before the integration tests
        pb.environment().putAll(env);
        return pb;
    }

    private static ShellRun run(Path executable, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = builder(executable, env, args);
        Path out = Files.createTempFile("shell-out", ".txt");
        Path err = Files.createTempFile("shell-err", ".txt");
        try {
            Process process = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(executable.getFileName() + " did not finish within " + TIMEOUT.toMinutes()
                        + " minutes:\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new ShellRun(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    List<String> outLines() {
        return out.lines().toList();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
