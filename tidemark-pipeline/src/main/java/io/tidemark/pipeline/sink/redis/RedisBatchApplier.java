package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterReplay;
import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.metrics.BatchOutcome;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Applies a batch of changes (at most one per key) as pipelined {@code EVALSHA} calls of the
 * {@link GuardedWriteScript}, waits until the batch is as durable as {@code durability} asks
 * ({@link DurabilityWait}), and retries the whole batch after a transient error. Retrying a batch is
 * safe even if part of it was applied: the script skips every change that is not newer than what
 * the key holds.
 *
 * <p>A change Redis rejects (its own error reply, such as {@code WRONGTYPE} or {@code OOM}) is tried
 * again up to the dead-letter queue's max-attempts and then queued with its error, while the rest of
 * the batch is applied; with the {@code park} policy its row's later changes are queued behind it
 * without being tried. Without a queue a rejection fails the job, as it always did. Standalone and
 * cluster differ only in their {@link RedisSinkClient}.
 */
final class RedisBatchApplier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBatchApplier.class);

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final RedisConnector connector;
    private final RedisRowEncoder encoder;
    private final String sinkName;
    private final int maxRetries;
    private final DurabilityWait durability;
    /** Null when the pipeline has no dead-letter queue: a rejected change then fails the job. */
    private final RejectedChanges rejected;
    private RedisSinkClient<?> client;
    /** Null where no truncation marks are known (tests of the write path alone). */
    private RedisTruncations truncations;
    /** The changes of the batch being applied that went to the dead-letter queue. */
    private final Set<ChangeEvent> rejectedChanges = Collections.newSetFromMap(new IdentityHashMap<>());
    private String scriptSha;
    private volatile long retries;
    private volatile long applied;
    private volatile long skipped;
    /** Where the replies of the batch being written are tallied for the sink's metrics; null outside a job. */
    private BatchOutcome outcome;

    /** An applier without durability wait and without dead-letter queue. */
    RedisBatchApplier(RedisConnector connector, RedisRowEncoder encoder, String sinkName, int maxRetries) {
        this(connector, encoder, sinkName, maxRetries, RedisDurability.none(), Duration.ofSeconds(5), null);
    }

    RedisBatchApplier(
            RedisConnector connector,
            RedisRowEncoder encoder,
            String sinkName,
            int maxRetries,
            RedisDurability durability,
            Duration durabilityTimeout,
            RejectedChanges rejected) {
        this.connector = connector;
        this.encoder = encoder;
        this.sinkName = sinkName;
        this.maxRetries = maxRetries;
        this.durability = new DurabilityWait(durability, durabilityTimeout, encoder.keyPrefix());
        this.rejected = rejected;
    }

    /** One change of a batch: its data key, the change and its script call. */
    private record Change(String key, ChangeEvent event, RedisRowEncoder.ScriptCall call) {}

    /** Tallies what every script call of the following batches did into {@code outcome}. */
    void tallyInto(BatchOutcome outcome) {
        this.outcome = outcome;
    }

    /** What Redis answered to one script call: 1 applied, 0 skipped, or its error reply. */
    private record Reply(long result, RedisException error) {}

    /**
     * Applies {@code changes} (data key to newest change), retrying transient errors with
     * exponential backoff; throws once the retries are used up, on an error that would fail every
     * change alike, or on a rejection when there is no dead-letter queue.
     */
    void apply(Map<String, ChangeEvent> changes) throws IOException, InterruptedException {
        List<Change> toWrite = new ArrayList<>(changes.size());
        List<ChangeEvent> parked = new ArrayList<>();
        boolean parking = rejected != null && rejected.hasParkedRows() && touchesParkedRow(changes);
        if (parking) {
            rejected.refresh(); // a replay may have released rows since they were parked
            releaseParked();
        }
        for (Map.Entry<String, ChangeEvent> change : changes.entrySet()) {
            if (parking && rejected.isParked(change.getValue())) {
                parked.add(change.getValue());
            } else {
                toWrite.add(new Change(change.getKey(), change.getValue(),
                        encoder.call(change.getKey(), change.getValue())));
            }
        }
        if (!parked.isEmpty()) {
            rejected.park(parked);
        }
        if (toWrite.isEmpty()) {
            return;
        }
        withRetries(() -> applyWithRejections(toWrite));
        if (rejected != null && rejected.hasRowsToSupersede()) {
            // after-rejection: continue: the rows' older entries are obsolete once a newer change is in
            List<ChangeEvent> written = new ArrayList<>();
            for (Change change : toWrite) {
                if (!rejectedChanges.contains(change.event())) {
                    written.add(change.event());
                }
            }
            rejected.supersede(written);
        }
        rejectedChanges.clear();
    }

    /** Applies the parked changes that a replay left behind (see {@link RejectedChanges#release}). */
    void releaseParked() throws IOException, InterruptedException {
        if (rejected != null) {
            rejected.release(this::replayForQueue);
        }
    }

    /** Where the tables' truncation marks are read, so a replayed change from before a truncate is skipped. */
    void skipTruncatedBy(RedisTruncations marks) {
        this.truncations = marks;
    }

    private boolean touchesParkedRow(Map<String, ChangeEvent> changes) {
        for (ChangeEvent change : changes.values()) {
            if (rejected.isParked(change)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Replays one entry of the dead-letter queue (a replay, or a parked change released by the job)
     * through the guarded path, with the retries and the durability wait of a batch: skipped when
     * the table was truncated after it or the key (or its tombstone) holds its position or a later
     * one, applied, or rejected again (never queued here; the caller records it).
     */
    DeadLetterReplay.Result replayForQueue(DeadLetter letter) throws IOException, InterruptedException {
        ChangeEvent change = letter.event();
        long mark = truncations == null ? Long.MIN_VALUE : truncations.markOf(change.table());
        if (mark >= change.position().value()) {
            return new DeadLetterReplay.Result.Skipped("the table was truncated at position " + mark + ", after the entry");
        }
        String key = encoder.dataKey(change);
        Change single = new Change(key, change, encoder.call(key, change));
        DeadLetterReplay.Result[] result = new DeadLetterReplay.Result[1];
        withRetries(() -> {
            Reply reply = writeOnce(List.of(single)).get(0);
            if (reply.error() != null) {
                result[0] = new DeadLetterReplay.Result.Rejected(errorClass(reply.error()),
                        RedisReplies.message(reply.error()));
                return; // nothing written
            }
            awaitDurable(reply.result() == 1 ? Set.of(client.masterOf(key)) : Set.of());
            result[0] = reply.result() == 1 ? new DeadLetterReplay.Result.Applied()
                    : new DeadLetterReplay.Result.Skipped("Redis holds " + key + " (or its tombstone) at position "
                            + change.position().value() + " or later");
        });
        return result[0];
    }

    /** One attempt of a whole batch; throws transient errors, which the caller retries. */
    @FunctionalInterface
    private interface Attempt {
        void run() throws IOException, InterruptedException, TimeoutException;
    }

    private void withRetries(Attempt attempt) throws IOException, InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        for (int retry = 0; ; retry++) {
            try {
                attempt.run();
                return;
            } catch (RedisException | TimeoutException e) {
                RedisReplies.Kind kind = RedisReplies.kind(e, connector.mode());
                if (kind == RedisReplies.Kind.REJECTED) {
                    throw new IOException("sink " + sinkName + ": Redis rejected a write: " + RedisReplies.message(e)
                            + " (the pipeline has no dead-letter queue)", e);
                }
                if (kind == RedisReplies.Kind.FATAL) {
                    throw new IOException("sink " + sinkName + ": Redis at " + connector.uri() + " refused the sink: "
                            + RedisReplies.message(e) + RedisReplies.modeHint(e, connector.mode()), e);
                }
                if (retry >= maxRetries) {
                    throw new IOException("sink " + sinkName + ": Redis at " + connector.uri() + " still failing after "
                            + maxRetries + " retries: " + RedisReplies.message(e), e);
                }
                retries++;
                LOG.warn("Sink {}: transient Redis error ({}), retry {} of {} in {} ms",
                        sinkName, RedisReplies.message(e), retry + 1, maxRetries, backoff.toMillis());
                // a restart or failover may have emptied a script cache (NOSCRIPT): reload before the retry,
                // at the cost of one SCRIPT LOAD per master
                scriptSha = null;
                durability.forget();
                if (client != null) {
                    if (!(e instanceof RedisCommandExecutionException) && !(e instanceof DurabilityWait.NotDurableException)) {
                        client.disconnect(); // lost or timed out: start the retry on a fresh connection, with no late replies
                    }
                    client.topologyMayHaveChanged();
                }
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Writes every change; the ones Redis rejects are written again, up to the queue's max-attempts
     * (100 ms, 200 ms, … apart), and then queued. Then waits for durability.
     */
    private void applyWithRejections(List<Change> changes)
            throws IOException, InterruptedException, TimeoutException {
        Set<String> appliedOn = new HashSet<>();
        List<Change> remaining = changes;
        Instant firstFailure = null;
        for (int attempt = 1; ; attempt++) {
            List<Reply> replies = writeOnce(remaining);
            List<Change> rejectedNow = new ArrayList<>();
            List<RedisException> errors = new ArrayList<>();
            for (int i = 0; i < replies.size(); i++) {
                Reply reply = replies.get(i);
                if (reply.error() != null) {
                    rejectedNow.add(remaining.get(i));
                    errors.add(reply.error());
                } else if (reply.result() == 1) {
                    appliedOn.add(client.masterOf(remaining.get(i).key()));
                }
            }
            if (rejectedNow.isEmpty()) {
                break;
            }
            if (rejected == null) {
                throw errors.get(0);
            }
            firstFailure = firstFailure == null ? Instant.now() : firstFailure;
            if (attempt >= rejected.maxAttempts()) {
                for (int i = 0; i < rejectedNow.size(); i++) {
                    Change change = rejectedNow.get(i);
                    RedisException error = errors.get(i);
                    LOG.warn("Sink {}: Redis rejected {} {} times ({}); sending it to the dead-letter queue",
                            sinkName, change.event(), attempt, errorClass(error));
                    rejected.reject(change.event(), errorClass(error), RedisReplies.message(error), attempt, firstFailure);
                    rejectedChanges.add(change.event());
                }
                break;
            }
            Thread.sleep(100L * attempt);
            remaining = rejectedNow;
        }
        awaitDurable(appliedOn);
    }

    /**
     * Sends one script call per change in one pipeline and returns each call's reply in order.
     * Throws a transient error (after every reply is in, so a retry never overlaps this attempt)
     * or one that would fail every change alike; rejections are returned.
     */
    private List<Reply> writeOnce(List<Change> changes) throws TimeoutException, InterruptedException {
        if (client == null) {
            client = connector.createSinkClient();
        }
        if (!client.isConnected()) {
            // a new connection may reach a restarted or failed-over server: with an empty script cache,
            // or configured otherwise
            scriptSha = null;
            durability.forget();
        }
        RedisClusterAsyncCommands<String, String> commands = client.connect();
        if (scriptSha == null) {
            List<RedisFuture<String>> loads = client.loadScript(GuardedWriteScript.SOURCE);
            PipelinedReplies.awaitAll(client, loads, RedisConnector.COMMAND_TIMEOUT);
            String sha = null;
            for (RedisFuture<String> load : loads) {
                sha = PipelinedReplies.await(load);
            }
            scriptSha = sha;
        }
        List<RedisFuture<Long>> results = new ArrayList<>(changes.size());
        for (Change change : changes) {
            results.add(commands.evalsha(scriptSha, ScriptOutputType.INTEGER, change.call().keys(), change.call().args()));
        }
        client.flush();
        PipelinedReplies.awaitAll(client, results, RedisConnector.COMMAND_TIMEOUT);
        List<Reply> replies = new ArrayList<>(results.size());
        RedisException notRejection = null;
        long nowApplied = 0;
        for (RedisFuture<Long> result : results) {
            try {
                long written = PipelinedReplies.await(result);
                nowApplied += written;
                replies.add(new Reply(written, null));
            } catch (RedisException e) {
                if (RedisReplies.kind(e, connector.mode()) != RedisReplies.Kind.REJECTED) {
                    notRejection = notRejection == null ? e : notRejection;
                }
                replies.add(new Reply(0, e));
            }
        }
        if (notRejection != null) {
            throw notRejection;
        }
        applied += nowApplied;
        skipped += replies.stream().filter(r -> r.error() == null && r.result() == 0).count();
        if (outcome != null) {
            for (int i = 0; i < replies.size(); i++) {
                Reply reply = replies.get(i);
                ChangeEvent event = changes.get(i).event();
                if (reply.error() == null) {
                    outcome.tombstoneChecks(event.table(), 1); // the script checks every change's tombstone
                    if (reply.result() == 0) {
                        outcome.skipped(event);
                    } else {
                        outcome.applied(event);
                    }
                }
            }
        }
        return replies;
    }

    /** Waits until every master confirmed what {@code durability} asks; nothing to do for {@code none}. */
    private void awaitDurable(Set<String> appliedOn) throws TimeoutException, InterruptedException {
        if (!durability.waits()) {
            return;
        }
        List<DurabilityWait.Sent> sent = durability.send(client);
        List<RedisFuture<?>> replies = new ArrayList<>();
        for (DurabilityWait.Sent s : sent) {
            if (s.confirmation() != null) {
                replies.add(s.fence());
                replies.add(s.confirmation());
            }
        }
        PipelinedReplies.awaitAll(client, replies, connector.waitReplyTimeout());
        durability.check(client, sent, appliedOn);
    }

    /** A rejection's class in the queue: the reply's error code, such as WRONGTYPE or OOM. */
    static String errorClass(RedisException error) {
        return RedisReplies.errorCode(RedisReplies.message(error));
    }

    /** Batches re-sent after a transient error. */
    long retries() {
        return retries;
    }

    /** Changes written so far. */
    long applied() {
        return applied;
    }

    /** Changes skipped so far because the key or its tombstone was as new or newer. */
    long skipped() {
        return skipped;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    /**
     * Checks that Redis answers (and that a cluster is healthy), and that every master can give
     * {@code durability}; used before the job is submitted.
     *
     * @throws DurabilityWait.UnavailableException with one line naming the setting and the fix, if
     *     a master cannot
     */
    static void check(RedisConnector connector, RedisDurability durability) {
        try (RedisSinkClient<?> client = connector.createSinkClient()) {
            client.check();
            client.checkMasters(server -> DurabilityWait.problem(durability, server)).ifPresent(problem -> {
                throw new DurabilityWait.UnavailableException(problem);
            });
        }
    }
}
