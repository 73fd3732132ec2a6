package io.tidemark.cli;

import java.io.PrintStream;

/**
 * Where a command writes: its stdout and stderr, and whether stdout is an interactive terminal (then
 * progress is redrawn in place with carriage returns; otherwise it is printed as plain lines).
 */
public record Terminal(PrintStream out, PrintStream err, boolean interactive) {

    /** The process's own streams; interactive when stdin and stdout are a terminal. */
    public static Terminal system() {
        return new Terminal(System.out, System.err, System.console() != null);
    }
}
