package io.tidemark.pipeline.sink.jdbc.writer;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One background thread of a {@link JdbcChangeWriter} with one connection (its {@link
 * BatchApplier}), applying its partition's batches in order, so that the task thread keeps
 * decoding while the database writes. The first one also applies parked changes that a replay
 * left behind (see {@link BatchApplier#releaseParked}) every {@link #RELEASE_PARKED_EVERY} while
 * it has nothing to do. It reports every applied batch, and the failure that ends it, to its writer.
 */
final class BatchFlusher extends Thread {

    /** How often an idle first flusher looks for parked changes that a replay left behind. */
    static final Duration RELEASE_PARKED_EVERY = Duration.ofSeconds(30);

    /** How long a stopping flusher may finish what it is doing on the server before its session is ended. */
    static final Duration STOP_GRACE = Duration.ofSeconds(1);

    /** What the writer learns from its flushers. */
    interface Listener {
        /** A batch of {@code changes} changes was committed. */
        void applied(int changes);

        /** The flusher stopped on {@code failure}; the writer fails on its next call. */
        void failed(Throwable failure);
    }

    final BatchApplier applier;
    /** The batches handed to this flusher, at most two waiting. */
    final BlockingQueue<ChangeBatch> queue = new ArrayBlockingQueue<>(2);
    private final boolean releasesParked;
    private final Listener listener;
    private long lastRelease = System.nanoTime();

    BatchFlusher(BatchApplier applier, String name, boolean releasesParked, Listener listener) {
        super(name);
        this.applier = applier;
        this.releasesParked = releasesParked;
        this.listener = listener;
        setDaemon(true);
    }

    /**
     * Stops the thread, which the writer's {@code close()} has interrupted, and closes its connection. A
     * thread still on the server after a second (waiting on a row lock, in a long statement) is not
     * reached by the interrupt: its session is ended from another connection, which rolls its transaction
     * back, so that the close neither waits out the lock's timeout (Flink kills a TaskManager whose task
     * does not cancel within three minutes) nor leaves a session behind that holds what it had written.
     */
    void awaitStopped() throws InterruptedException {
        join(STOP_GRACE.toMillis());
        if (isAlive()) {
            // on a thread of its own: where the database is unreachable, opening the connection that ends the
            // session may take its connect timeout, and the close is not to wait longer than it did before
            Thread ender = new Thread(applier::endSession, getName() + "-end-session");
            ender.setDaemon(true);
            ender.start();
            join(10_000);
        }
        applier.close();
    }

    @Override
    public void run() {
        try {
            while (!isInterrupted()) {
                ChangeBatch batch = queue.poll(1, TimeUnit.SECONDS);
                if (batch == null && releasesParked
                        && System.nanoTime() - lastRelease > RELEASE_PARKED_EVERY.toNanos()) {
                    lastRelease = System.nanoTime();
                    applier.releaseParked();
                }
                if (batch == null) {
                    continue;
                }
                applier.apply(batch);
                listener.applied(batch.size());
            }
        } catch (InterruptedException e) {
            // closing
        } catch (Throwable t) {
            listener.failed(t);
        }
    }
}
