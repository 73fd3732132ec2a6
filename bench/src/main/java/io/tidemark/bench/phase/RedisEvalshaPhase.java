package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;
import io.tidemark.bench.load.CpuUsage;
import io.tidemark.bench.workload.ChangeWorkload;
import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisSinkOptions;
import io.tidemark.pipeline.sink.redis.RedisConnector;
import io.tidemark.pipeline.sink.redis.SinkScriptCalls;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The Redis sink's anchor: the same changes the {@code tidemark-redis} phase streams, sent as
 * {@code redis-benchmark} would send a workload, pipelined on one connection, but each as the
 * {@code EVALSHA} of the sink's own guard script with the keys and arguments the sink sends for it
 * ({@link SinkScriptCalls}). No Flink, no source, no compaction: what Redis accepts from a
 * well-behaved pipelined client doing the sink's guarded writes.
 *
 * <p>The changes are written to a PostgreSQL source table first, for the checksum only. The master is
 * emptied ({@code durability: none}), the guard script loaded once, the snapshot rows and the
 * {@code streaming} marker written untimed. Then, on one Lettuce connection made as the sink makes
 * its own ({@link RedisConnector}) with auto-flush off, every change and the {@code end} marker are
 * queued {@link #BATCH} calls at a time (the sink's default {@code batch-size}, 1,000), flushed, and their
 * replies awaited before the next batch: the window runs from the first command to the last reply.
 * The calls are generated and encoded by a second thread a few batches ahead, so that the window
 * holds the client's sending and Redis' work, not the generator. Every reply must be 1 (applied),
 * and the master's content must then equal the source table's by {@link RedisSinkSide}'s checksum.
 */
final class RedisEvalshaPhase implements Phase {

    private static final Logger LOG = LoggerFactory.getLogger(RedisEvalshaPhase.class);

    /** Calls per flush: the sink's default {@code batch-size}. */
    static final int BATCH = RedisSinkOptions.BATCH_SIZE.defaultValue();
    /** Batches the generator may be ahead of the sender. */
    private static final int BATCHES_AHEAD = 8;
    private static final Duration REPLY_TIMEOUT = Duration.ofMinutes(1);
    /** Marks the end of the generated batches. */
    private static final List<SinkScriptCalls.Call> END = List.of();

    private final BenchContext context;

    RedisEvalshaPhase(BenchContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "redis-evalsha";
    }

    @Override
    public PhaseResult run(int repetition) throws Exception {
        return measure(context.settings().changes());
    }

    /** A discarded run, so that the client's code is compiled before the measured one. */
    @Override
    public void warmUp(int changes) throws Exception {
        measure(changes);
    }

    private PhaseResult measure(int changes) throws Exception {
        BenchSettings settings = context.settings();
        BenchPostgres pg = context.postgres();
        String db = pg.createDatabase("evalsha_src");
        try (RedisSinkSide redis = RedisSinkSide.create(context.redis(), RedisDurability.none())) {
            OrdersTable.createSource(pg, db);
            String expected;
            ChangeWorkload.Counts counts;
            long generateStart = System.nanoTime();
            try (Connection source = pg.connect(db, StreamingJobPhase.batchedWrites())) {
                ChangeWorkload workload = workload(settings);
                workload.seed(source, settings.snapshotRows());
                ChangeWorkload.mark(source, "streaming");
                counts = workload.run(source, changes);
                ChangeWorkload.mark(source, "end");
                expected = redis.sourceChecksum(source);
            }
            LOG.info("{}: wrote {} snapshot rows and {} changes to the source table (for its checksum) in {} s",
                    name(), settings.snapshotRows(), counts.total(),
                    String.format("%.1f", StreamingJobPhase.seconds(System.nanoTime() - generateStart)));
            RedisSinkDef sink = redis.definition(RedisDurability.none());
            RedisClient client = RedisConnector.of(sink).createClient();
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.setAutoFlushCommands(false);
                PhaseResult result = time(connection, sink, changes, counts.total() + 1L);
                String actual = redis.checksum();
                if (!expected.equals(actual)) {
                    throw new IllegalStateException(name() + ": Redis holds " + actual + " after the window, the source "
                            + expected + " (row count, version sum, content hash)");
                }
                LOG.info("{}: {} calls in batches of {} in {} s: {} changes/s; Redis equals the source ({})", name(),
                        result.items(), BATCH, String.format("%.2f", result.seconds()),
                        String.format("%.0f", result.rate()), actual);
                return result;
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            pg.dropDatabaseQuietly(db);
        }
    }

    /**
     * Loads the script, writes the snapshot and the {@code streaming} marker untimed, then times the
     * {@code changes} changes and the {@code end} marker ({@code items} calls).
     */
    private PhaseResult time(StatefulRedisConnection<String, String> connection, RedisSinkDef sink, int changes,
            long items) throws Exception {
        BenchSettings settings = context.settings();
        RedisAsyncCommands<String, String> commands = connection.async();
        RedisFuture<String> load = commands.scriptLoad(SinkScriptCalls.scriptSource());
        connection.flushCommands();
        String sha = load.get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        ChangeWorkload workload = workload(settings);
        List<SinkScriptCalls.Call> snapshot = new ArrayList<>();
        SinkCallStream stream = new SinkCallStream(sink, snapshot::add);
        stream.snapshot(true);
        workload.seed(stream, settings.snapshotRows());
        stream.snapshot(false);
        stream.mark("streaming");
        for (int from = 0; from < snapshot.size(); from += BATCH) {
            send(connection, sha, snapshot.subList(from, Math.min(snapshot.size(), from + BATCH)));
        }

        BlockingQueue<List<SinkScriptCalls.Call>> batches = new ArrayBlockingQueue<>(BATCHES_AHEAD);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "redis-evalsha-generator");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> generator = thread.submit(() -> {
                generate(workload, new Batcher(stream, batches), changes, settings.transactionSize());
                return null;
            });
            List<SinkScriptCalls.Call> batch = next(batches, generator); // ready before the window starts
            CpuUsage cpuStart = context.cpuUsage();
            long start = System.nanoTime();
            long sent = 0;
            while (batch != END) {
                send(connection, sha, batch);
                sent += batch.size();
                batch = next(batches, generator);
            }
            long end = System.nanoTime();
            CpuUsage.Cores cores = context.cpuUsage().coresSince(cpuStart);
            if (sent != items) {
                throw new IllegalStateException(name() + ": sent " + sent + " calls, expected " + items);
            }
            return new PhaseResult(name(), items, StreamingJobPhase.seconds(end - start), 0, cores, List.of());
        } finally {
            thread.shutdownNow(); // interrupts a generator still waiting for room in the queue
        }
    }

    /**
     * Sends the changes and the {@code end} marker to {@code batcher}, then {@link #END}. The changes
     * go a whole number of transactions at a time, so that the transactions are those of one run.
     */
    private static void generate(ChangeWorkload workload, Batcher batcher, int changes, int transactionSize)
            throws SQLException, InterruptedException {
        int step = transactionSize * Math.max(1, BATCH / transactionSize);
        for (int done = 0; done < changes; done += step) {
            workload.run(batcher.stream, Math.min(step, changes - done));
            batcher.handOn();
        }
        batcher.stream.mark("end");
        batcher.finish();
    }

    /** Cuts the stream's calls into batches of {@link #BATCH} for the sender. */
    private static final class Batcher {
        private final SinkCallStream stream;
        private final BlockingQueue<List<SinkScriptCalls.Call>> batches;
        private final List<List<SinkScriptCalls.Call>> full = new ArrayList<>();
        private List<SinkScriptCalls.Call> current = new ArrayList<>(BATCH);

        Batcher(SinkCallStream stream, BlockingQueue<List<SinkScriptCalls.Call>> batches) {
            this.stream = stream;
            stream.sendTo(this::add);
            this.batches = batches;
        }

        private void add(SinkScriptCalls.Call call) {
            current.add(call);
            if (current.size() == BATCH) {
                full.add(current);
                current = new ArrayList<>(BATCH);
            }
        }

        /** Hands the full batches on, waiting for room. */
        void handOn() throws InterruptedException {
            for (List<SinkScriptCalls.Call> batch : full) {
                batches.put(batch);
            }
            full.clear();
        }

        /** Hands everything on, then {@link #END}. */
        void finish() throws InterruptedException {
            handOn();
            if (!current.isEmpty()) {
                batches.put(current);
            }
            batches.put(END);
        }
    }

    /** The next batch, or the generator's failure instead of waiting for ever. */
    private static List<SinkScriptCalls.Call> next(BlockingQueue<List<SinkScriptCalls.Call>> batches,
            Future<?> generator) throws Exception {
        while (true) {
            List<SinkScriptCalls.Call> batch = batches.poll(100, TimeUnit.MILLISECONDS);
            if (batch != null) {
                return batch;
            }
            if (generator.isDone()) {
                generator.get(); // throws its failure
                batch = batches.poll();
                if (batch == null) {
                    throw new IllegalStateException("the generator ended without its last batch");
                }
                return batch;
            }
        }
    }

    /** Queues one {@code EVALSHA} per call, flushes them and checks that every reply is 1 (applied). */
    private void send(StatefulRedisConnection<String, String> connection, String sha,
            List<SinkScriptCalls.Call> calls) throws Exception {
        RedisAsyncCommands<String, String> commands = connection.async();
        List<RedisFuture<Long>> replies = new ArrayList<>(calls.size());
        for (SinkScriptCalls.Call call : calls) {
            replies.add(commands.evalsha(sha, ScriptOutputType.INTEGER, call.keys(), call.args()));
        }
        connection.flushCommands();
        for (int i = 0; i < replies.size(); i++) {
            Long reply;
            try {
                reply = replies.get(i).get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException(name() + ": Redis refused a call: " + e.getCause().getMessage(),
                        e.getCause());
            }
            if (reply == null || reply != 1L) {
                throw new IllegalStateException(name() + ": the guard script skipped a change (reply " + reply + ") to "
                        + calls.get(i).keys()[0] + "; every change is newer than what Redis holds");
            }
        }
    }

    private static ChangeWorkload workload(BenchSettings settings) {
        return new ChangeWorkload(settings.seed(), settings.mix(), settings.transactionSize());
    }
}
