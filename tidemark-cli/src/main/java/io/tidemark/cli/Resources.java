package io.tidemark.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a long-running command started (databases, a Flink cluster, jobs, threads), closed in reverse
 * order exactly once: when the command ends, or from a JVM shutdown hook on Ctrl-C, whichever comes
 * first. Starting a resource and registering it is one step, so Ctrl-C in the middle of a start
 * still closes what was started: the shutdown hook waits for the start to finish.
 */
public final class Resources implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Resources.class);

    /** Starts a resource. */
    @FunctionalInterface
    public interface Opener<T> {
        T open() throws Exception;
    }

    /** Closes a resource. */
    @FunctionalInterface
    public interface Closer<T> {
        void close(T resource) throws Exception;
    }

    /** Thrown by {@link #open} once the command is being stopped. */
    public static final class StoppedException extends Exception {
        private static final long serialVersionUID = 1L;

        StoppedException() {
            super("stopped");
        }
    }

    private record Entry(String name, AutoCloseable closeable) {}

    private final Deque<Entry> entries = new ArrayDeque<>();
    private final Thread hook;
    private final Runnable onInterrupt;
    private final Runnable afterInterrupt;
    private volatile boolean interrupted;
    private boolean closed;

    /**
     * Registers the shutdown hook. When it fires, {@code onInterrupt} runs first (to tell the user
     * what is being stopped) and {@code afterInterrupt} once everything is closed.
     */
    public Resources(String name, Runnable onInterrupt, Runnable afterInterrupt) {
        this.onInterrupt = onInterrupt;
        this.afterInterrupt = afterInterrupt;
        this.hook = new Thread(this::interrupt, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts a resource with {@code opener} and registers {@code closer} for it. */
    public synchronized <T> T open(String name, Opener<T> opener, Closer<? super T> closer) throws Exception {
        if (closed) {
            throw new StoppedException();
        }
        T resource = opener.open();
        entries.push(new Entry(name, () -> closer.close(resource)));
        return resource;
    }

    /** Registers {@code closeable}; closes it at once if everything is already closed. */
    public synchronized void add(String name, AutoCloseable closeable) {
        if (closed) {
            closeQuietly(new Entry(name, closeable));
            return;
        }
        entries.push(new Entry(name, closeable));
    }

    /** True once Ctrl-C started the shutdown: the command should stop quietly. */
    public boolean interrupted() {
        return interrupted;
    }

    /** Closes everything, newest first, and removes the shutdown hook. */
    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it finds nothing left to close
        }
    }

    private void interrupt() {
        interrupted = true;
        LOG.info("Shutdown requested; closing everything that was started");
        try {
            onInterrupt.run();
        } finally {
            closeAll();
        }
        afterInterrupt.run();
    }

    private synchronized void closeAll() {
        closed = true;
        while (!entries.isEmpty()) {
            closeQuietly(entries.pop());
        }
    }

    private static void closeQuietly(Entry entry) {
        try {
            LOG.info("Closing {}", entry.name());
            entry.closeable().close();
        } catch (Exception e) {
            LOG.warn("Could not close {}", entry.name(), e);
        }
    }
}
