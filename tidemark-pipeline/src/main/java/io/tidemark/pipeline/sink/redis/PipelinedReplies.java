package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waiting for the replies of commands sent in one pipeline (auto-flush off), as the Redis sink's
 * writes and durability waits do: {@link #awaitAll} flushes again while it waits, and {@link #await}
 * reads one completed reply, its error as the {@link RedisException} Redis answered.
 */
final class PipelinedReplies {

    /** How long to wait for replies before flushing again; see {@link #awaitAll}. */
    static final long REFLUSH_MILLIS = 20;

    private PipelinedReplies() {}

    /**
     * Waits until every future is done, flushing again every {@value #REFLUSH_MILLIS} ms meanwhile: a
     * cluster connection may queue a command after the flush (on a node connection that was still
     * opening, or when it follows a MOVED or ASK redirect), and with auto-flush off nothing else would
     * send it. Times out after {@code timeout}, closing the connection so that late replies are never
     * mistaken for the next attempt's.
     */
    static void awaitAll(RedisSinkClient<?> client, List<? extends RedisFuture<?>> futures, Duration timeout)
            throws TimeoutException, InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(
                futures.stream().map(RedisFuture::toCompletableFuture).toArray(CompletableFuture[]::new));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                all.get(REFLUSH_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                return; // every future is done; the caller reads each one's outcome
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    client.disconnect();
                    throw new TimeoutException("no reply from Redis within " + timeout.toMillis() + " ms");
                }
                client.flush();
            }
        }
    }

    /** The outcome of a completed future. */
    static <T> T await(RedisFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RedisException redis) {
                throw redis;
            }
            throw new RedisException(cause);
        }
    }
}
