package io.tidemark.snapshot.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs blocking file-system calls on a small bounded pool, for {@link SnapshotStorage#list}: on an
 * object store every directory listed and every {@code _metadata} read is a round trip or two, and
 * one after the other they add up every request's latency.
 */
final class ParallelIo {

    private static final ThreadFactory THREADS = new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "tidemark-snapshot-listing-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    };

    private ParallelIo() {}

    /** The work of one task: may fail with an {@link IOException}. */
    @FunctionalInterface
    interface IoFunction<T, R> {
        R apply(T input) throws IOException;
    }

    /**
     * {@code work} applied to every item, at most {@code parallelism} at a time, the results in the
     * items' order. The first failure (in the items' order) is thrown as it was thrown, and the rest
     * is cancelled.
     */
    static <T, R> List<R> map(List<T> items, int parallelism, IoFunction<T, R> work) throws IOException {
        if (items.size() <= 1 || parallelism == 1) {
            List<R> results = new ArrayList<>(items.size());
            for (T item : items) {
                results.add(work.apply(item));
            }
            return results;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, items.size()), THREADS);
        try {
            List<Future<R>> futures = new ArrayList<>(items.size());
            for (T item : items) {
                futures.add(pool.submit(() -> work.apply(item)));
            }
            List<R> results = new ArrayList<>(items.size());
            for (Future<R> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw (IOException) new InterruptedIOException("interrupted while listing snapshots").initCause(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            } else if (cause instanceof RuntimeException runtime) {
                throw runtime;
            } else if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
