package io.tidemark.pipeline.sink.redis;

import org.awaitility.core.ConditionTimeoutException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * Watches, on the server, every version of a row the Redis sink writes, and records per data key
 * the sequence of positions written, so a test can prove that no key ever went back to an older
 * version, not even for a moment. Comparing the final state with the source cannot show that: a
 * replay that overwrites a row with an older version and then with the newer one again ends in the
 * right state, yet a reader in between saw the past.
 *
 * <p>The watcher reads the server's {@code MONITOR} stream, which in Redis 6.2 also shows each
 * command a Lua script runs (client {@code [0 lua]}), so it sees the {@code HSET}/{@code SET} of
 * the sink's guarded-write script with the position it writes. It understands the layout of
 * {@code docs/redis-sink.md}: a hash with field {@code _tidemark_pos}, a JSON string whose first
 * member is {@code _tidemark_pos}, and a delete as the {@code SET} of the tombstone {@code
 * {<data key>}:deleted} to the delete's position. Per key, every write and delete must carry a
 * position higher than every one before it (a re-insert after a delete is newer than the delete);
 * anything else is a {@linkplain #regressions() regression}. A hash or JSON write to a watched key
 * without a position is one too. It also counts the {@linkplain #staleCalls() stale calls} of the
 * sink's script, those carrying a position not newer than the key's last version (replays after a
 * restore, batches resent after an error): the calls the guard must refuse, so a test can show
 * that its scenario put the guard to the test at all.
 *
 * <p>Lettuce cannot consume {@code MONITOR} (the stream's replies arrive with no command waiting
 * and end up answering the next one), so the stream is read over a plain socket. When the server
 * goes away the watcher reconnects every few milliseconds and counts it ({@link #reconnects()});
 * the server runs nothing while it is down, so at most the writes of the first milliseconds after
 * a restart can go unseen, which makes the check weaker, never wrong. {@link #catchUp()} waits
 * until everything the server ran before the call has been read, so a test asserts on a complete
 * record.
 */
public final class RedisVersionWatcher implements AutoCloseable {

    private static final String POSITION_FIELD = GuardedWriteScript.POSITION_FIELD;
    private static final Pattern TOMBSTONE = Pattern.compile("\\{(.*)}:deleted");
    /** A table's truncation mark, set by the last writer to reach a truncate (see RedisTruncations). */
    private static final Pattern TRUNCATION_MARK = Pattern.compile("\\{.*:_tidemark:.*}:truncated");
    private static final Pattern JSON_POSITION = Pattern.compile("^\\{\"" + POSITION_FIELD + "\":\"(\\d+)\"");
    private static final Duration RECONNECT_PAUSE = Duration.ofMillis(5);
    private static final Duration MARKER_RESEND = Duration.ofSeconds(2);
    private static final int MAX_REGRESSIONS_KEPT = 100;

    private final String host;
    private final int port;
    private final String keyPrefix;
    private final String markerPrefix = "tidemark-version-watcher:" + UUID.randomUUID() + ":";
    private final Thread reader;
    private volatile boolean closed;
    private volatile Socket socket;
    private volatile boolean connected;

    // guarded by this
    private final Map<String, List<Version>> histories = new HashMap<>();
    private final List<String> regressions = new ArrayList<>();
    private long regressionCount;
    private long rowWrites;
    private long deletes;
    private long staleCalls;
    private long truncatedAt = Long.MIN_VALUE;
    private long lateWrites;
    private int connections;
    private long markerSeen;
    private long markerSent;
    private IOException lastError;

    private RedisVersionWatcher(String host, int port, String keyPrefix) {
        this.host = host;
        this.port = port;
        this.keyPrefix = keyPrefix;
        this.reader = new Thread(this::readLoop, "redis-version-watcher-" + port);
        this.reader.setDaemon(true);
    }

    /**
     * Starts watching the data keys that begin with {@code keyPrefix} (e.g. {@code
     * "tidemark:public.orders:"}) and their tombstones; returns once the watcher is connected, so
     * every later write is seen.
     */
    public static RedisVersionWatcher start(String host, int port, String keyPrefix) {
        RedisVersionWatcher watcher = new RedisVersionWatcher(host, port, keyPrefix);
        watcher.reader.start();
        try {
            watcher.awaitConnected(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            watcher.close();
            throw e;
        }
        return watcher;
    }

    public static RedisVersionWatcher start(EmbeddedRedis redis, String keyPrefix) {
        return start(redis.host(), redis.port(), keyPrefix);
    }

    /** One version the sink wrote to a key: a row at {@code position}, or its delete. */
    public record Version(long position, boolean delete) {
        @Override
        public String toString() {
            return (delete ? "delete@" : "row@") + position;
        }
    }

    /** Row versions and deletes seen so far, over all watched keys. */
    public synchronized long writes() {
        return rowWrites + deletes;
    }

    /** Deletes (tombstones written) seen so far. */
    public synchronized long deletes() {
        return deletes;
    }

    /**
     * Calls of the sink's script ({@code EVALSHA} with the data key and its tombstone as keys, the
     * position as second argument) on a watched key whose position was not newer than the key's
     * last version when the call ran. The guard must refuse each; one it did not refuse is also a
     * {@linkplain #regressions() regression}.
     */
    public synchronized long staleCalls() {
        return staleCalls;
    }

    /** Every watched data key written or deleted so far. */
    public synchronized Set<String> keys() {
        return new TreeSet<>(histories.keySet());
    }

    /** The versions written to {@code key}, oldest first; empty if none was seen. */
    public synchronized List<Version> history(String key) {
        return List.copyOf(histories.getOrDefault(key, List.of()));
    }

    /**
     * Every write seen at or below a position already written to its key, and every write of a
     * watched key without a position, described with the key's history (the first {@value
     * #MAX_REGRESSIONS_KEPT}; {@link #regressionCount()} counts them all). Empty if none.
     */
    public synchronized List<String> regressions() {
        return List.copyOf(regressions);
    }

    public synchronized long regressionCount() {
        return regressionCount;
    }

    /** How often the watcher lost the server (e.g. a restart) and connected again. */
    /**
     * Rows written at or below a table's truncation mark after the mark was set: a row brought back
     * from before a truncate the sink had applied. Zero in a correct run.
     */
    public synchronized long lateWrites() {
        return lateWrites;
    }

    /** The highest truncation mark seen set, or {@code Long.MIN_VALUE}. */
    public synchronized long truncatedAt() {
        return truncatedAt;
    }

    public synchronized int reconnects() {
        return Math.max(0, connections - 1);
    }

    /**
     * Waits until the watcher has read every command the server ran before this call (those it ran
     * while the watcher was reconnecting aside): a marker command is sent on a separate connection
     * and awaited in the stream.
     */
    public void catchUp() {
        catchUp(Duration.ofSeconds(30));
    }

    public void catchUp(Duration timeout) {
        long[] marker = {sendMarker()};
        long[] sentAt = {System.nanoTime()};
        await("version watcher catching up with " + host + ":" + port).atMost(timeout)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    synchronized (this) {
                        if (markerSeen >= marker[0]) {
                            return true;
                        }
                    }
                    if (System.nanoTime() - sentAt[0] > MARKER_RESEND.toNanos()) {
                        // lost while the server or the watcher was away (or the watcher lags): a newer one
                        marker[0] = sendMarker();
                        sentAt[0] = System.nanoTime();
                    }
                    return false;
                });
    }

    /** Waits until the watcher is connected (again), e.g. after a server restart. */
    public void awaitConnected(Duration timeout) {
        try {
            await("version watcher connected to " + host + ":" + port).atMost(timeout)
                    .pollInterval(Duration.ofMillis(10)).until(() -> connected);
        } catch (ConditionTimeoutException e) {
            IOException error;
            synchronized (this) {
                error = lastError;
            }
            if (error != null) {
                e.addSuppressed(error);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeSocket();
        reader.interrupt();
        try {
            reader.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------

    private void readLoop() {
        while (!closed) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1_000);
                socket = s;
                OutputStream out = s.getOutputStream();
                out.write(command("MONITOR"));
                out.flush();
                LineReader in = new LineReader(s.getInputStream());
                String reply = in.readLine();
                if (!"+OK".equals(reply)) {
                    throw new IOException("MONITOR answered " + reply); // e.g. -LOADING while a restart loads data
                }
                synchronized (this) {
                    connections++;
                }
                connected = true;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("+")) {
                        onCommand(line);
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    lastError = e;
                }
            } finally {
                connected = false;
                socket = null;
            }
            if (!closed) {
                try {
                    Thread.sleep(RECONNECT_PAUSE.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One MONITOR line: {@code +<time> [<db> <client>] "CMD" "arg" ...}. */
    private void onCommand(String line) {
        int start = line.indexOf("] ");
        if (start < 0) {
            return;
        }
        List<String> args = parseArgs(line, start + 2);
        if (args.size() < 2) {
            return;
        }
        String command = args.get(0).toUpperCase(Locale.ROOT);
        String key = args.get(1);
        if (key.startsWith(markerPrefix)) {
            long marker = Long.parseLong(key.substring(markerPrefix.length()));
            synchronized (this) {
                markerSeen = Math.max(markerSeen, marker);
            }
            return;
        }
        switch (command) {
            case "EVALSHA", "EVAL" -> onScriptCall(args);
            case "HSET", "HMSET" -> {
                if (key.startsWith(keyPrefix)) {
                    String position = null;
                    for (int i = 2; i + 1 < args.size(); i += 2) {
                        if (args.get(i).equals(POSITION_FIELD)) {
                            position = args.get(i + 1);
                        }
                    }
                    record(key, position, false, line);
                }
            }
            case "SET" -> {
                if (args.size() < 3) {
                    return;
                }
                Matcher tombstone = TOMBSTONE.matcher(key);
                if (TRUNCATION_MARK.matcher(key).matches()) {
                    synchronized (this) {
                        truncatedAt = Math.max(truncatedAt, Long.parseLong(args.get(2)));
                    }
                } else if (tombstone.matches() && tombstone.group(1).startsWith(keyPrefix)) {
                    record(tombstone.group(1), args.get(2), true, line);
                } else if (key.startsWith(keyPrefix)) {
                    Matcher json = JSON_POSITION.matcher(args.get(2));
                    record(key, json.find() ? json.group(1) : null, false, line);
                }
            }
            default -> {
                // reads, DEL (half of every guarded upsert), EVALSHA itself: no version is written
            }
        }
    }

    /**
     * {@code EVALSHA <sha> 2 <data key> <tombstone key> <op> <position> ...}: MONITOR shows the
     * call before the commands the script runs, so the key's history is the one the script sees.
     */
    private synchronized void onScriptCall(List<String> args) {
        if (args.size() < 7 || !args.get(2).equals("2")) {
            return;
        }
        String key = args.get(3);
        if (!key.startsWith(keyPrefix) || !args.get(4).equals("{" + key + "}:deleted")) {
            return;
        }
        List<Version> history = histories.get(key);
        try {
            if (history != null && Long.parseLong(args.get(6)) <= highest(history)) {
                staleCalls++;
            }
        } catch (NumberFormatException e) {
            // not the sink's script
        }
    }

    private synchronized void record(String key, String position, boolean delete, String line) {
        List<Version> history = histories.computeIfAbsent(key, k -> new ArrayList<>(2));
        if (position == null) {
            regression(key + ": written without " + POSITION_FIELD + ": " + line);
            return;
        }
        Version version = new Version(Long.parseLong(position), delete);
        if (!delete && version.position() <= truncatedAt) {
            lateWrites++;
        }
        if (!history.isEmpty() && version.position() <= highest(history)) {
            regression(key + ": " + version + " written after " + history);
        }
        history.add(version);
        if (delete) {
            deletes++;
        } else {
            rowWrites++;
        }
    }

    private static long highest(List<Version> history) {
        return history.stream().mapToLong(Version::position).max().orElse(Long.MIN_VALUE);
    }

    private void regression(String description) {
        regressionCount++;
        if (regressions.size() < MAX_REGRESSIONS_KEPT) {
            regressions.add(description);
        }
    }

    /** Runs {@code EXISTS <marker>} on a connection of its own; returns the marker's number. */
    private long sendMarker() {
        long marker;
        synchronized (this) {
            marker = ++markerSent;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(command("EXISTS", markerPrefix + marker));
            s.getOutputStream().flush();
            new LineReader(s.getInputStream()).readLine(); // the reply: the command has run
        } catch (IOException e) {
            synchronized (this) {
                lastError = e;
            }
        }
        return marker;
    }

    private void closeSocket() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static byte[] command(String... args) {
        StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            resp.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        return resp.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads CRLF-terminated lines; MONITOR lines are plain ASCII (Redis escapes every other byte). */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line without its CRLF, or null at the end of the stream. */
        String readLine() throws IOException {
            StringBuilder line = new StringBuilder(128);
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return null;
                    }
                }
                byte b = buffer[position++];
                if (b == '\n') {
                    int length = line.length();
                    boolean crlf = length > 0 && line.charAt(length - 1) == '\r';
                    return crlf ? line.substring(0, length - 1) : line.toString();
                }
                line.append((char) (b & 0xff));
            }
        }
    }

    /**
     * The quoted arguments of a MONITOR line, unescaped: Redis writes each as {@code "..."} with
     * {@code \\}, {@code \"}, {@code \n}, {@code \r}, {@code \t}, {@code \a}, {@code \b} and
     * {@code \xHH} for every other non-printable byte; the bytes are UTF-8.
     */
    static List<String> parseArgs(String line, int from) {
        List<String> args = new ArrayList<>();
        int i = from;
        while (i < line.length()) {
            if (line.charAt(i) != '"') {
                i++;
                continue;
            }
            ByteArrayOutputStream arg = new ByteArrayOutputStream();
            i++;
            while (i < line.length() && line.charAt(i) != '"') {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < line.length()) {
                    char escaped = line.charAt(i + 1);
                    switch (escaped) {
                        case 'n' -> arg.write('\n');
                        case 'r' -> arg.write('\r');
                        case 't' -> arg.write('\t');
                        case 'a' -> arg.write(7);
                        case 'b' -> arg.write('\b');
                        case 'x' -> {
                            arg.write(Integer.parseInt(line.substring(i + 2, i + 4), 16));
                            i += 2;
                        }
                        default -> arg.write(escaped); // \\ and \"
                    }
                    i += 2;
                } else {
                    arg.write(c);
                    i++;
                }
            }
            i++; // closing quote
            args.add(arg.toString(StandardCharsets.UTF_8));
        }
        return args;
    }

    @Override
    public synchronized String toString() {
        return "RedisVersionWatcher[" + host + ":" + port + ", " + keyPrefix + "*: " + histories.size() + " keys, "
                + rowWrites + " row writes, " + deletes + " deletes, " + staleCalls + " stale calls, "
                + regressionCount + " regressions, " + reconnects() + " reconnects]";
    }
}
