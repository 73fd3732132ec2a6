package io.tidemark.cli.demo;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * The demo's own output: step lines, and one live progress line. On a terminal the progress line is
 * redrawn in place with a carriage return; otherwise (a pipe, a file, a test) it is printed as a
 * plain line every few seconds.
 */
public final class DemoConsole {

    private static final long PLAIN_PROGRESS_INTERVAL = TimeUnit.SECONDS.toNanos(5);
    static final String INDENT = "      ";

    private final PrintStream out;
    private final boolean interactive;
    /** Width of the progress line on screen, 0 if none is shown. */
    private int shownWidth;
    private long lastPlainProgress;
    private boolean silenced;

    public DemoConsole(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    boolean interactive() {
        return interactive;
    }

    /** Prints a line, below the progress line if one is shown. */
    public synchronized void line(String text) {
        if (silenced) {
            return;
        }
        clearProgress();
        out.println(text);
        out.flush();
    }

    /** Step {@code n} of {@code total}. */
    void step(int n, int total, String text) {
        line("[" + n + "/" + total + "] " + text);
    }

    /** A detail of the current step, indented under it. */
    void detail(String text) {
        line(INDENT + text);
    }

    /** Shows {@code text} as the progress line. */
    synchronized void progress(String text) {
        if (silenced) {
            return;
        }
        if (interactive) {
            String padded = text.length() < shownWidth ? text + " ".repeat(shownWidth - text.length()) : text;
            out.print("\r" + padded);
            out.flush();
            shownWidth = text.length();
            return;
        }
        long now = System.nanoTime();
        if (lastPlainProgress == 0 || now - lastPlainProgress >= PLAIN_PROGRESS_INTERVAL) {
            lastPlainProgress = now;
            out.println(INDENT + text);
            out.flush();
        }
    }

    /** Ends the progress line, leaving its last state on screen. */
    synchronized void endProgress() {
        if (interactive && shownWidth > 0) {
            out.println();
            out.flush();
        }
        shownWidth = 0;
        lastPlainProgress = 0;
    }

    /** Ctrl-C: says what is being stopped, and prints nothing else from then on but {@link #stopped()}. */
    public synchronized void stopping() {
        endProgress();
        out.println();
        out.println("Stopping: cancelling the job, stopping Flink, Redis and both PostgreSQL servers ...");
        out.flush();
        silenced = true;
    }

    /** Ctrl-C: everything is stopped. */
    public synchronized void stopped() {
        out.println("Stopped; nothing the demo started is left running.");
        out.flush();
    }

    private void clearProgress() {
        if (interactive && shownWidth > 0) {
            out.print("\r" + " ".repeat(shownWidth) + "\r");
            shownWidth = 0;
        }
    }
}
