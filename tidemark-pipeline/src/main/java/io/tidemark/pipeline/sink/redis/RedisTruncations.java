package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.RedisSinkMode;
import io.tidemark.pipeline.config.RedisValueFormat;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Applies source truncates to a Redis sink with the same guarantees as deletes: every key of the
 * table written before the truncate's position goes, later changes apply, and a replayed change
 * from before the truncate never brings a row back.
 *
 * <p>The protocol is the JDBC sink's ({@code TableTruncations}), with Redis keys: every writer
 * subtask receives its own copy of a truncate after all of its earlier changes, writes those, and
 * adds itself to the truncate's arrival set ({@code {<prefix>:_tidemark:<table>}:arrivals:<pos>:<attempt>},
 * per job attempt, so that arrivals of a failed attempt do not count). The last subtask to arrive
 * finds the table's keys with {@code SCAN MATCH <prefix>:<table>:*} on every master, deletes each
 * whose position is below the truncate's (one small script per key, so a key written after the
 * truncate stays), and sets the table's truncation mark ({@code {<prefix>:_tidemark:<table>}:truncated}).
 * Writers read the marks when they start and drop changes at or below them.
 *
 * <p>What it costs: {@code SCAN} walks the whole keyspace of every master, whatever the table's
 * share of it, {@value #KEYS_PER_SCAN} keys a call, plus one script call per key of the table. The
 * sink stops taking changes while it runs (the writer runs it on its task thread), so a truncate
 * of a table in a Redis of millions of keys holds the pipeline for seconds.
 */
final class RedisTruncations implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTruncations.class);

    static final int KEYS_PER_SCAN = 1000;
    /** How long an arrival set outlives its last arrival, should its attempt never finish the truncate. */
    private static final Duration ARRIVALS_TTL = Duration.ofDays(7);

    /** KEYS: mark, arrivals. ARGV: position, subtask, ttl ms. Returns -1 if the mark is at or past it, else the arrivals. */
    private static final String ARRIVE = String.join("\n",
            GuardedWriteScript.NEWER,
            "local mark = redis.call('GET', KEYS[1])",
            "if mark and not newer(ARGV[1], mark) then return -1 end",
            "redis.call('SADD', KEYS[2], ARGV[2])",
            "redis.call('PEXPIRE', KEYS[2], ARGV[3])",
            "return redis.call('SCARD', KEYS[2])");

    /** KEYS: mark, arrivals. ARGV: position. Raises the mark, forgets the arrivals. */
    private static final String MARK = String.join("\n",
            GuardedWriteScript.NEWER,
            "local mark = redis.call('GET', KEYS[1])",
            "if not mark or newer(ARGV[1], mark) then redis.call('SET', KEYS[1], ARGV[1]) end",
            "redis.call('DEL', KEYS[2])",
            "return 1");

    /** KEYS: a data key. ARGV: position, format (h or j). Deletes the key if it was written before the position. */
    private static final String DELETE_OLDER = String.join("\n",
            GuardedWriteScript.NEWER,
            "local stored",
            "if ARGV[2] == 'h' then",
            "  stored = redis.call('HGET', KEYS[1], '" + GuardedWriteScript.POSITION_FIELD + "')",
            "else",
            "  local doc = redis.call('GET', KEYS[1])",
            "  if doc then stored = string.match(doc, '^{\"" + GuardedWriteScript.POSITION_FIELD + "\":\"(%d+)\"') end",
            "end",
            "if stored and newer(ARGV[1], stored) then redis.call('DEL', KEYS[1]) return 1 end",
            "return 0");

    /** What an arrival at a truncate did. */
    enum Outcome { APPLIED, WAITING, ALREADY_APPLIED }

    private final RedisConnector connector;
    private final String keyPrefix;
    private final RedisValueFormat format;
    private final Map<TableId, TableId> sinkTables;
    /** Source table to the highest truncate position this writer knows of. */
    private final Map<TableId, Long> marks = new HashMap<>();
    private AutoCloseable client;
    private StatefulConnection<String, String> connection;
    private RedisClusterCommands<String, String> commands;

    RedisTruncations(RedisConnector connector, String keyPrefix, RedisValueFormat format,
            Map<TableId, TableId> sinkTables) {
        this.connector = connector;
        this.keyPrefix = keyPrefix;
        this.format = format;
        this.sinkTables = Map.copyOf(sinkTables);
    }

    /** Reads the tables' truncation marks; when the writer starts, before it writes. */
    void load() {
        sinkTables.forEach((source, target) -> {
            String mark = commands().get(markKey(target));
            if (mark != null) {
                remember(source, Long.parseLong(mark));
            }
        });
    }

    /** Whether a change lies at or below its table's truncation mark, so the sink must not apply it. */
    boolean supersedes(ChangeEvent change) {
        if (marks.isEmpty()) {
            return false;
        }
        Long mark = marks.get(change.table());
        return mark != null && change.position().value() <= mark;
    }

    /** The truncation mark of a table's keys, or {@code Long.MIN_VALUE}: what a replayed change must be newer than. */
    long markOf(TableId sourceTable) {
        String mark = commands().get(markKey(sinkTables.getOrDefault(sourceTable, sourceTable)));
        return mark == null ? Long.MIN_VALUE : Long.parseLong(mark);
    }

    /**
     * Reports that subtask {@code subtask} of job attempt {@code attempt} reached {@code truncate}
     * with all its earlier changes written, and applies the truncate if it is the last to.
     */
    Outcome arrive(ChangeEvent truncate, int subtask, String attempt) {
        TableId table = sinkTables.get(truncate.table());
        String position = Long.toString(truncate.position().value());
        String[] keys = {markKey(table), tag(table) + ":arrivals:" + position + ":" + attempt};
        Long arrived = commands().eval(ARRIVE, ScriptOutputType.INTEGER, keys,
                position, Integer.toString(subtask), Long.toString(ARRIVALS_TTL.toMillis()));
        Outcome outcome;
        if (arrived < 0) {
            outcome = Outcome.ALREADY_APPLIED;
        } else if (arrived < truncate.truncateCopies()) {
            outcome = Outcome.WAITING;
        } else {
            long deleted = deleteOlderKeys(table, position);
            commands().eval(MARK, ScriptOutputType.INTEGER, keys, position);
            LOG.info("Truncate of {} at {}: {} keys deleted", table, truncate.position(), deleted);
            outcome = Outcome.APPLIED;
        }
        remember(truncate.table(), truncate.position().value());
        return outcome;
    }

    private long deleteOlderKeys(TableId table, String position) {
        ScanArgs match = ScanArgs.Builder.matches(glob(keyPrefix + ":" + table + ":") + "*").limit(KEYS_PER_SCAN);
        String formatArg = format == RedisValueFormat.JSON ? "j" : "h";
        long deleted = 0;
        KeyScanCursor<String> cursor = commands().scan(match);
        while (true) {
            for (String key : cursor.getKeys()) {
                deleted += commands().<Long>eval(DELETE_OLDER, ScriptOutputType.INTEGER, new String[] {key},
                        position, formatArg);
            }
            if (cursor.isFinished()) {
                return deleted;
            }
            cursor = commands().scan(cursor, match);
        }
    }

    private void remember(TableId sourceTable, long position) {
        marks.merge(sourceTable, position, Math::max);
    }

    /** The hash tag that puts a table's mark and arrival sets into one cluster slot. */
    private String tag(TableId table) {
        return "{" + keyPrefix + ":_tidemark:" + table + "}";
    }

    private String markKey(TableId table) {
        return tag(table) + ":truncated";
    }

    /** {@code text} as a SCAN pattern that matches it literally. */
    static String glob(String text) {
        return text.replaceAll("([\\\\*?\\[\\]])", "\\\\$1");
    }

    private RedisClusterCommands<String, String> commands() {
        if (commands == null) {
            if (connector.mode() == RedisSinkMode.CLUSTER) {
                RedisClusterClient cluster = connector.createClusterClient();
                client = cluster::shutdown;
                var clusterConnection = cluster.connect();
                connection = clusterConnection;
                commands = clusterConnection.sync();
            } else {
                RedisClient standalone = connector.createClient();
                client = standalone::shutdown;
                var standaloneConnection = standalone.connect();
                connection = standaloneConnection;
                commands = standaloneConnection.sync();
            }
        }
        return commands;
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            try {
                client.close();
            } catch (Exception ignored) {
                // shutting down
            }
        }
        connection = null;
        commands = null;
        client = null;
    }
}
