package io.tidemark.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One run of {@code tidemark} in this JVM, with what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exitCode = Main.run(o, e, args);
        }
        return new CliRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Starts {@code tidemark args} on another thread; what it prints can be read while it runs. */
    static Running start(String... args) {
        return new Running(args);
    }

    /** A run of {@code tidemark} in progress. */
    static final class Running {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final java.util.concurrent.CompletableFuture<Integer> exitCode;

        private Running(String... args) {
            exitCode = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                    return Main.run(o, e, args);
                }
            });
        }

        /** What it printed on stdout so far. */
        String out() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        boolean isDone() {
            return exitCode.isDone();
        }

        /** Waits until it ends. */
        CliRun await(java.time.Duration timeout) throws Exception {
            int code = exitCode.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return new CliRun(code, out(), err.toString(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "running\n--- stdout so far\n" + out() + "--- stderr so far\n" + err.toString(StandardCharsets.UTF_8);
        }
    }

    List<String> errLines() {
        return err.lines().toList();
    }

    List<String> outLines() {
        return out.lines().toList();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
