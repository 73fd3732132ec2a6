package io.tidemark.cli.demo;

import io.tidemark.reconcile.redis.RedisReader;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Samples, twice a second, the changes the workload made, the rows in the source and in both sinks
 * (rows in PostgreSQL, keys in Redis), and the job's state, and shows them as the demo's progress
 * line.
 */
final class ProgressMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressMonitor.class);

    private final DemoConsole console;
    private final DemoDatabase source;
    private final DemoDatabase sink;
    private final RedisReader cache;
    private final DemoWorkload workload;
    private final Supplier<String> jobState;
    private final long started = System.nanoTime();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tidemark-demo-progress");
        thread.setDaemon(true);
        return thread;
    });
    private Connection sourceConnection;
    private Connection sinkConnection;

    ProgressMonitor(DemoConsole console, DemoDatabase source, DemoDatabase sink, RedisReader cache,
            DemoWorkload workload, Supplier<String> jobState) {
        this.console = console;
        this.source = source;
        this.sink = sink;
        this.cache = cache;
        this.workload = workload;
        this.jobState = jobState;
    }

    void start() {
        executor.scheduleWithFixedDelay(this::tick, 0, 500, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        String rows;
        try {
            if (sourceConnection == null) {
                sourceConnection = source.connect();
                sinkConnection = sink.connect();
            }
            rows = String.format(Locale.ROOT, "rows source %,d / jdbc %,d / redis %,d",
                    total(DemoCounts.rows(sourceConnection, DemoSchema.TABLES)),
                    total(DemoCounts.rows(sinkConnection, DemoSchema.TABLES)),
                    total(DemoCounts.keys(cache, DemoSchema.TABLES)));
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Could not count rows", e);
            rows = "rows ?";
            closeConnections();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        console.progress(String.format(Locale.ROOT, "%d:%02d  changes %,d  |  %s  |  job %s",
                seconds / 60, seconds % 60, workload.changes(), rows, jobState.get()));
    }

    private static long total(long[] counts) {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        return total;
    }

    private void closeConnections() {
        for (Connection c : new Connection[] {sourceConnection, sinkConnection}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        }
        sourceConnection = null;
        sinkConnection = null;
    }

    /** Stops sampling and ends the progress line. */
    @Override
    public void close() throws InterruptedException {
        // a sample in progress finishes: interrupted, its Redis and job queries would show "?"
        executor.shutdown();
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
            executor.shutdownNow();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
        closeConnections();
        console.endProgress();
    }
}
