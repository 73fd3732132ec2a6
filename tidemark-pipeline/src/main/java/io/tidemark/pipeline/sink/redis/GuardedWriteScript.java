package io.tidemark.pipeline.sink.redis;

/**
 * The one server-side script through which every change is written, so that comparing positions
 * and writing happen atomically on the server. See {@code docs/redis-sink.md}.
 *
 * <p>KEYS: 1 = data key, 2 = tombstone key ({@code {<data key>}:deleted}, same cluster slot).
 * ARGV: 1 = op ({@code u} upsert, {@code d} delete), 2 = position (non-negative decimal), 3 = format
 * ({@code h} hash, {@code j} JSON), 4 = TTL in ms ({@code 0} = none), 5 = tombstone retention in ms,
 * then for a hash upsert field/value pairs, for a JSON upsert the document. Returns 1 if the change
 * was applied, 0 if it was older than or equal to what the key or its tombstone holds.
 *
 * <p>Redis checks {@code maxmemory} only before a script's first write command (later ones must not
 * fail, or the script would be half done), and a hash upsert's first write is the {@code DEL} that
 * memory limits never refuse. So an upsert begins with a write that changes nothing but is checked
 * against the limit ({@code SETRANGE} of nothing on the tombstone key): under {@code maxmemory}
 * with {@code noeviction}, Redis refuses the upsert with {@code OOM} instead of growing past the
 * limit. Deletes stay allowed; they free memory.
 */
final class GuardedWriteScript {

    /** Hash field (and first JSON member) holding the position of the change that wrote the row. */
    static final String POSITION_FIELD = "_tidemark_pos";

    /**
     * Positions are compared as decimal strings (by length, then lexicographically) because Lua
     * numbers are doubles, which would round positions above 2^53.
     */
    static final String NEWER = String.join("\n",
            "local function newer(a, b)",
            "  if #a ~= #b then return #a > #b end",
            "  return a > b",
            "end");

    static final String SOURCE = String.join("\n",
            NEWER,
            "local pos = ARGV[2]",
            "local tomb = redis.call('GET', KEYS[2])",
            "if tomb and not newer(pos, tomb) then return 0 end",
            "local stored",
            "if ARGV[3] == 'h' then",
            "  stored = redis.call('HGET', KEYS[1], '" + POSITION_FIELD + "')",
            "else",
            "  local doc = redis.call('GET', KEYS[1])",
            "  if doc then stored = string.match(doc, '^{\"" + POSITION_FIELD + "\":\"(%d+)\"') end",
            "end",
            "if stored and not newer(pos, stored) then return 0 end",
            "if ARGV[1] == 'd' then",
            "  redis.call('DEL', KEYS[1])",
            "  redis.call('SET', KEYS[2], pos, 'PX', ARGV[5])",
            "  return 1",
            "end",
            "redis.call('SETRANGE', KEYS[2], 0, '')",
            "if ARGV[3] == 'h' then",
            "  redis.call('DEL', KEYS[1])",
            "  redis.call('HSET', KEYS[1], '" + POSITION_FIELD + "', pos, unpack(ARGV, 6))",
            "else",
            "  redis.call('SET', KEYS[1], ARGV[6])",
            "end",
            "if ARGV[4] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end",
            "return 1");

    private GuardedWriteScript() {}
}
