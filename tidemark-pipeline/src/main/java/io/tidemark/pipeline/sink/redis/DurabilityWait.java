package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisDurability;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Makes a batch as durable as {@code durability} asks before the writer counts it as written, and
 * so before a checkpoint can cover it: on every master that takes the sink's writes, {@code WAIT N
 * timeout} ({@code replicas N}) or {@code WAITAOF 1 0 timeout} ({@code aof}), sent on the connection
 * the batch's writes went through.
 *
 * <p>Both commands wait for the writes <em>of their own connection</em> only (the server remembers
 * the replication offset of each client's last write). A change the guard skips writes nothing, yet
 * the write it found may never have been confirmed: it was made by an attempt that lost its
 * connection before its {@code WAIT}, or by the job before a restore. So each wait is preceded, on
 * the same connection, by a fence: a write that always reaches the replication stream ({@code
 * PUBLISH} on a standalone server, {@code SET} of a small key in a slot of the master in a cluster,
 * where {@code PUBLISH} is not replicated). Waiting for the fence waits for everything written to
 * that master before it.
 *
 * <p>Redis before 7.2 has no {@code WAITAOF}. There {@code aof} is accepted only from a server
 * running {@code appendonly yes} with {@code appendfsync always}, which fsyncs every write before it
 * replies to anyone: once a master is seen to be so configured, nothing more is waited for there.
 * Used from the writer's task thread only.
 */
final class DurabilityWait {

    /** The channel of the standalone fence; nobody needs to listen. */
    static final String FENCE_CHANNEL = "tidemark:durability-fence";
    /** Second part of the cluster fence key, after the key prefix: {@code {prefix}:_durability:{tag}}. */
    static final String FENCE_KEY_PART = ":_durability:";

    /** A command Lettuce 6.5 does not declare. */
    private enum Command implements ProtocolKeyword {
        WAITAOF;

        private final byte[] bytes = name().getBytes(StandardCharsets.US_ASCII);

        @Override
        public byte[] getBytes() {
            return bytes;
        }
    }

    /** The wait reported fewer replicas or fsyncs than asked for: retried like any transient error. */
    static final class NotDurableException extends RedisException {
        NotDurableException(String message) {
            super(message);
        }
    }

    /** The server cannot give the durability asked for (configuration): fails the job at once. */
    static final class UnavailableException extends RedisException {
        UnavailableException(String message) {
            super(message);
        }
    }

    /** One master's fence and wait, sent; {@code confirmation} (the WAIT or WAITAOF) is null where nothing needs waiting for. */
    record Sent(RedisSinkClient.Master master, RedisFuture<?> fence, RedisFuture<?> confirmation) {}

    private final RedisDurability durability;
    private final long timeoutMillis;
    private final String fenceKeyPrefix;
    /** Masters seen to run appendfsync always without WAITAOF (Redis before 7.2); forgotten on any error. */
    private final Set<String> fsyncEveryWrite = new HashSet<>();
    private final Map<Integer, String> fenceKeys = new HashMap<>();

    DurabilityWait(RedisDurability durability, Duration timeout, String keyPrefix) {
        this.durability = durability;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.fenceKeyPrefix = keyPrefix + FENCE_KEY_PART;
    }

    /** Whether {@code type} is a command the server may hold for up to the durability timeout. */
    static boolean isWait(ProtocolKeyword type) {
        return type == CommandType.WAIT || type == Command.WAITAOF;
    }

    boolean waits() {
        return !(durability instanceof RedisDurability.None);
    }

    /** Queues the fence and the wait on every master's write connection, and flushes them. */
    List<Sent> send(RedisSinkClient<?> client) {
        List<Sent> sent = new ArrayList<>();
        String now = Instant.now().toString();
        for (RedisSinkClient.Master master : client.masters()) {
            if (fsyncEveryWrite.contains(master.address())) {
                sent.add(new Sent(master, null, null));
                continue;
            }
            RedisFuture<?> fence = master.slot() < 0
                    ? master.commands().publish(FENCE_CHANNEL, now)
                    : master.commands().set(fenceKey(master.slot()), now);
            RedisFuture<?> wait;
            if (durability instanceof RedisDurability.Replicas replicas) {
                wait = master.commands().waitForReplication(replicas.count(), timeoutMillis);
            } else {
                wait = master.commands().dispatch(Command.WAITAOF, new ArrayOutput<>(StringCodec.UTF8),
                        new CommandArgs<>(StringCodec.UTF8).add(1).add(0).add(timeoutMillis));
            }
            sent.add(new Sent(master, fence, wait));
        }
        client.flush();
        return sent;
    }

    /**
     * Reads the replies of {@link #send} (all of them done): returns if every master confirmed the
     * batch, throws {@link NotDurableException} if one confirmed less than asked, {@link
     * UnavailableException} if one cannot give this durability, and the error of a failed command
     * otherwise.
     *
     * @param appliedOn addresses of the masters on which this attempt applied a write: their wait
     *     covers everything before it even if their fence failed (under {@code maxmemory}, say)
     */
    void check(RedisSinkClient<?> client, List<Sent> sent, Set<String> appliedOn) throws InterruptedException {
        for (Sent s : sent) {
            if (s.confirmation() == null) {
                continue;
            }
            String address = s.master().address();
            Object reply;
            try {
                reply = PipelinedReplies.await(s.confirmation());
            } catch (RedisCommandExecutionException e) {
                if (durability instanceof RedisDurability.Aof && RedisReplies.isUnknownCommand(e)) {
                    verifyFsyncAlways(client, s.master());
                    continue; // fsynced before Redis replied to the writes, and to the fence's predecessors
                }
                if (durability instanceof RedisDurability.Aof && RedisReplies.message(e).contains("appendonly")) {
                    throw new UnavailableException("durability: aof, but Redis at " + address
                            + " runs with appendonly no (" + RedisReplies.message(e)
                            + "); set appendonly yes, or choose durability none or replicas N");
                }
                throw e;
            }
            try {
                PipelinedReplies.await(s.fence());
            } catch (RedisException e) {
                if (!appliedOn.contains(address)) {
                    throw new NotDurableException("the durability fence on " + address + " failed ("
                            + RedisReplies.message(e) + "), so its wait covers no earlier write");
                }
            }
            if (durability instanceof RedisDurability.Replicas replicas) {
                long acknowledged = (Long) reply;
                if (acknowledged < replicas.count()) {
                    throw new NotDurableException("acknowledged by " + acknowledged + " of " + replicas.count()
                            + (replicas.count() == 1 ? " replica" : " replicas") + " of " + address + " within "
                            + timeoutMillis + " ms (WAIT)");
                }
            } else {
                List<?> counts = (List<?>) reply;
                long local = counts.isEmpty() ? 0 : ((Number) counts.get(0)).longValue();
                if (local < 1) {
                    throw new NotDurableException("not fsynced to the append-only file of " + address + " within "
                            + timeoutMillis + " ms (WAITAOF)");
                }
            }
        }
    }

    /** After an error nothing learnt about a master may still hold (a failover may have replaced it). */
    void forget() {
        fsyncEveryWrite.clear();
    }

    private void verifyFsyncAlways(RedisSinkClient<?> client, RedisSinkClient.Master master)
            throws InterruptedException {
        RedisFuture<Map<String, String>> appendonly = master.commands().configGet("appendonly");
        RedisFuture<Map<String, String>> appendfsync = master.commands().configGet("appendfsync");
        client.flush();
        Optional<String> problem;
        try {
            problem = aofProblem("Redis before 7.2 (no WAITAOF)", PipelinedReplies.await(appendonly).get("appendonly"),
                    PipelinedReplies.await(appendfsync).get("appendfsync"));
        } catch (RedisCommandExecutionException e) {
            problem = Optional.of(cannotReadConfig(RedisReplies.message(e)));
        }
        if (problem.isPresent()) {
            throw new UnavailableException("Redis at " + master.address() + ": " + problem.get());
        }
        fsyncEveryWrite.add(master.address());
    }

    /**
     * Why a server cannot give {@code durability}, checked before the job starts, or empty: {@code
     * aof} needs the append-only file, and before Redis 7.2 (no {@code WAITAOF}) {@code appendfsync
     * always}. {@code replicas N} is not refused here: replicas may connect later, and a batch
     * waits for them.
     */
    static Optional<String> problem(RedisDurability durability, RedisCommands<String, String> server) {
        if (!(durability instanceof RedisDurability.Aof)) {
            return Optional.empty();
        }
        String version = info(server.info("server"), "redis_version");
        boolean waitAof = atLeast(version, 7, 2);
        String aofEnabled = info(server.info("persistence"), "aof_enabled");
        if (!"1".equals(aofEnabled)) {
            return Optional.of("durability: aof, but Redis " + version + " runs with appendonly no; set appendonly yes"
                    + (waitAof ? "" : " and appendfsync always (Redis before 7.2 has no WAITAOF)")
                    + ", or choose durability none or replicas N");
        }
        if (waitAof) {
            return Optional.empty();
        }
        try {
            return aofProblem("Redis " + version + " (WAITAOF needs 7.2)", "yes",
                    server.configGet("appendfsync").get("appendfsync"));
        } catch (RedisCommandExecutionException e) {
            return Optional.of(cannotReadConfig(RedisReplies.message(e)));
        }
    }

    private static Optional<String> aofProblem(String server, String appendonly, String appendfsync) {
        if (!"yes".equalsIgnoreCase(appendonly)) {
            return Optional.of("durability: aof, but " + server + " runs with appendonly no; set appendonly yes and"
                    + " appendfsync always, or choose durability none or replicas N");
        }
        if (!"always".equalsIgnoreCase(appendfsync)) {
            return Optional.of("durability: aof on " + server + " needs appendfsync always, but the server runs"
                    + " appendfsync " + appendfsync + "; set appendfsync always, upgrade to Redis 7.2 or later,"
                    + " or choose durability none or replicas N");
        }
        return Optional.empty();
    }

    private static String cannotReadConfig(String error) {
        return "durability: aof before Redis 7.2 (no WAITAOF) needs appendfsync always, which cannot be read"
                + " (CONFIG GET: " + error + "); upgrade to Redis 7.2 or later, or choose durability none or replicas N";
    }

    private static String info(String info, String field) {
        return info.lines()
                .filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).trim())
                .findFirst()
                .orElse("");
    }

    /** Whether a version such as {@code 7.2.4} is at least {@code major.minor}. */
    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        try {
            int actualMajor = Integer.parseInt(parts[0]);
            int actualMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return actualMajor > major || (actualMajor == major && actualMinor >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * The fence key of a cluster master: {@code {prefix}:_durability:{tag}}, with a hash tag chosen
     * to fall into {@code slot}, one the master owns, so that the key lives on that master.
     */
    String fenceKey(int slot) {
        return fenceKeys.computeIfAbsent(slot, s -> {
            for (int i = 0; ; i++) {
                String tag = Integer.toString(i);
                if (SlotHash.getSlot(tag) == s) {
                    return fenceKeyPrefix + "{" + tag + "}";
                }
            }
        });
    }
}
