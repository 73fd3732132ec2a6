package io.tidemark.kubernetes.monitoring;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * A command-line tool of the build image (promtool, kubectl) run as a process. A missing tool fails
 * the test, saying what provides it: these tools are part of the build (scripts/test installs them), not optional.
 */
final class ExternalTool {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path executable;

    private ExternalTool(Path executable) {
        this.executable = executable;
    }

    /** What a run printed and its exit code. */
    record Result(int exitCode, String stdout, String stderr) {

        /** Both streams, for a failure message. */
        String output() {
            return stdout + (stdout.isEmpty() || stderr.isEmpty() ? "" : "\n") + stderr;
        }
    }

    /** {@code name} from the PATH; {@code provider} says how to install it. */
    static ExternalTool onPath(String name, String provider) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return new ExternalTool(candidate);
            }
        }
        return fail(name + " is not on the PATH (" + System.getenv("PATH") + "); " + provider);
    }

    static ExternalTool promtool() {
        return onPath("promtool", "run scripts/test, which installs Debian's prometheus package (apt-get install --no-install-recommends prometheus)");
    }

    static ExternalTool kubectl() {
        return onPath("kubectl", "install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/; Debian 12's kubernetes-client 1.20 cannot render the overlays)");
    }

    /** Runs the tool with {@code args} in {@code workingDirectory}; fails the test if it does not end within a minute. */
    Result run(Path workingDirectory, String... args) {
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
    String succeed(Path workingDirectory, String... args) {
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
