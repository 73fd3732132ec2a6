package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;
import io.tidemark.bench.load.CpuUsage;
import io.tidemark.bench.load.VertexLoadSampler;
import io.tidemark.bench.load.VertexLoadSampler.VertexLoad;
import io.tidemark.bench.workload.ChangeWorkload;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeoutException;

/**
 * Streaming throughput of a CDC job, not limited by the generator: the job snapshots a small table
 * and reaches the streaming phase, stops with a savepoint, all N changes are written to the source
 * (they wait in the WAL or the binary log, held by the job's replication slot or its saved binlog
 * position), and the job is restored from the savepoint. The window runs from the moment every task
 * of the restored job runs until the sink equals the source: the end marker, written last, has
 * arrived and the checksums match. Where the sink's checksum is too slow to poll (see
 * {@link SinkSide#checksumInWindow()}), the window ends at the end marker and the checksums are
 * compared after it.
 *
 * <p>With {@link Window#SNAPSHOT} the same job is timed on its initial snapshot instead: the source
 * holds {@code --snapshot-rows} rows, and the window runs from the job's start (preparing it,
 * building its graph, submitting it) until the sink holds every one of them.
 *
 * @param <S> the sink side the job writes to
 */
abstract class StreamingJobPhase<S extends SinkSide> implements Phase {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingJobPhase.class);
    private static final Duration POLL = Duration.ofMillis(25);
    private static final Duration SLOWEST_COUNT_POLL = Duration.ofSeconds(1);

    /** What a phase times. */
    enum Window {
        /** From the restored job's tasks running until N changes written while it was stopped are in the sink. */
        STREAMING,
        /** From the job's start until the sink holds the snapshot rows. */
        SNAPSHOT
    }

    protected final BenchContext context;
    private final SourceSide sourceSide;
    private final Window window;

    StreamingJobPhase(BenchContext context) {
        this(context, SourceSide.postgres(context.postgres()), Window.STREAMING);
    }

    StreamingJobPhase(BenchContext context, SourceSide sourceSide, Window window) {
        this.context = context;
        this.sourceSide = sourceSide;
        this.window = window;
    }

    /** The source database, the sink and the names of one run of the phase. */
    protected record Run<S>(String sourceDb, S sink, String slot, Path checkpoints, int repetition) {}

    /** A short lower-case name for databases and slots. */
    protected abstract String prefix();

    /** An empty sink for one run, before the job first starts. */
    protected abstract S createSink() throws Exception;

    /** Called once per run before the first submission (create sink metadata, etc.). */
    protected void prepare(Run<S> run) throws Exception {}

    /** The job graph of this run, fresh or restored. */
    protected abstract JobGraph jobGraph(Run<S> run, SavepointRestoreSettings restore) throws Exception;

    @Override
    public PhaseResult run(int repetition) throws Exception {
        return window == Window.SNAPSHOT
                ? run(repetition, 0, context.settings().snapshotRows())
                : run(repetition, context.settings().changes(), context.settings().snapshotRows());
    }

    /**
     * A discarded run with fewer changes (for a snapshot phase: a snapshot of that many rows), so that
     * the JIT has compiled the job's code before any measurement.
     */
    @Override
    public void warmUp(int changes) throws Exception {
        if (window == Window.SNAPSHOT) {
            run(0, 0, changes);
        } else {
            run(0, changes, context.settings().snapshotRows());
        }
    }

    private PhaseResult run(int repetition, int changes, int snapshotRows) throws Exception {
        BenchSettings settings = context.settings();
        String sourceDb = sourceSide.createOrders(prefix() + "_src");
        String slot = "bench_" + prefix() + "_" + repetition;

        ChangeWorkload workload = new ChangeWorkload(settings.seed(), settings.mix(), settings.transactionSize());
        JobID first = null;
        JobID second = null;
        S sink = null;
        try (Connection source = sourceSide.connect(sourceDb)) {
            sink = createSink();
            Run<S> run = new Run<>(sourceDb, sink, slot, context.workDir().resolve(prefix() + "-" + repetition),
                    repetition);
            long seedStart = System.nanoTime();
            workload.seed(source, snapshotRows);
            sourceSide.settle(source);
            LOG.info("{}: wrote {} snapshot rows in {} s (vacuumed and analyzed)", name(), snapshotRows,
                    String.format("%.1f", seconds(System.nanoTime() - seedStart)));
            if (window == Window.SNAPSHOT) {
                String expected = sink.sourceChecksum(source);
                CpuUsage cpuStart = context.cpuUsage();
                long start = System.nanoTime(); // what a user's start command does: prepare, build, submit
                prepare(run);
                first = context.cluster().submit(jobGraph(run, SavepointRestoreSettings.none()));
                return timeSnapshot(sink, first, expected, snapshotRows + 1L, start, cpuStart);
            }
            prepare(run);

            LOG.info("{}: starting the job on a {}-row snapshot", name(), snapshotRows);
            first = context.cluster().submit(jobGraph(run, SavepointRestoreSettings.none()));
            awaitRows(sink, snapshotRows + 1L, first);
            ChangeWorkload.mark(source, "streaming");
            awaitMarker(sink, "streaming", first);
            String savepoint = context.cluster().stopWithSavepoint(
                    first, run.checkpoints().resolve("savepoints").toUri().toString());
            LOG.info("{}: streaming reached, stopped with savepoint {}", name(), savepoint);

            long generateStart = System.nanoTime();
            ChangeWorkload.Counts counts = workload.run(source, changes);
            ChangeWorkload.mark(source, "end");
            long items = counts.total() + 1L; // the changes and the 'end' marker update
            String expected = sink.sourceChecksum(source);
            LOG.info("{}: wrote {} changes ({} inserts, {} updates, {} deletes in {} transactions) in {} s"
                            + " while the job was stopped",
                    name(), counts.total(), counts.inserts(), counts.updates(), counts.deletes(),
                    counts.transactions(), String.format("%.1f", seconds(System.nanoTime() - generateStart)));

            long submitted = System.nanoTime();
            second = context.cluster().submit(jobGraph(run, SavepointRestoreSettings.forPath(savepoint, false)));
            context.cluster().awaitAllTasksRunning(second, settings.phaseTimeout());
            long start = System.nanoTime();
            CpuUsage cpuStart = context.cpuUsage();
            VertexLoadSampler sampler = VertexLoadSampler.start(context.cluster().restAddress(), second);
            long end;
            CpuUsage.Cores cores;
            List<VertexLoad> loads;
            try {
                end = awaitCaughtUp(sink, expected, second);
                cores = context.cpuUsage().coresSince(cpuStart);
            } finally {
                loads = sampler.stop();
            }
            if (!sink.checksumInWindow()) {
                end = verifyAfterWindow(sink, expected, second, end);
            }
            PhaseResult result = new PhaseResult(name(), items, seconds(end - start), seconds(start - submitted),
                    cores, loads);
            LOG.info("{}: caught up with {} changes in {} s: {} changes/s", name(), items,
                    String.format("%.2f", result.seconds()), String.format("%.0f", result.rate()));
            return result;
        } finally {
            if (first != null) {
                context.cluster().cancelQuietly(first);
            }
            if (second != null) {
                context.cluster().cancelQuietly(second);
            }
            if (sink != null) {
                sink.close();
                sink.release();
            }
            sourceSide.release(sourceDb, slot);
        }
    }

    /**
     * Times the initial snapshot of a job submitted at {@code start}: the window ends when the sink
     * holds all {@code target} rows (the snapshot and the marker); the sink is then compared with the
     * source, and if it differs the window is extended until it equals it.
     */
    private PhaseResult timeSnapshot(S sink, JobID job, String expected, long target, long start,
            CpuUsage cpuStart) throws Exception {
        context.cluster().awaitAllTasksRunning(job, context.settings().phaseTimeout());
        long running = System.nanoTime();
        VertexLoadSampler sampler = VertexLoadSampler.start(context.cluster().restAddress(), job);
        long end;
        CpuUsage.Cores cores;
        List<VertexLoad> loads;
        try {
            end = awaitRowCount(sink, target, job);
            cores = context.cpuUsage().coresSince(cpuStart);
        } finally {
            loads = sampler.stop();
        }
        end = verifyAfterWindow(sink, expected, job, end);
        PhaseResult result = new PhaseResult(name(), target, seconds(end - start), seconds(running - start),
                cores, loads);
        LOG.info("{}: all {} rows in the sink {} s after the start: {} rows/s", name(), target,
                String.format("%.2f", result.seconds()), String.format("%.0f", result.rate()));
        return result;
    }

    /**
     * Waits until the sink holds {@code target} rows and returns when it saw them. A count of a table
     * of a million rows costs tens of milliseconds of the machine's CPU, so it is polled at half the
     * time the rate so far says is left, between 25 ms and 1 s: often near the end, rarely before.
     */
    private long awaitRowCount(S sink, long target, JobID job) throws Exception {
        long deadline = deadline();
        long lastCheck = 0;
        long firstAt = System.nanoTime();
        long count = sink.rows();
        long firstCount = count;
        while (count < target) {
            lastCheck = checkAlive(job, lastCheck, deadline, "the snapshot of " + target + " rows (" + count + " so far)");
            long now = System.nanoTime();
            long pause = SLOWEST_COUNT_POLL.toNanos();
            if (count > firstCount && now > firstAt) {
                double perNano = (count - firstCount) / (double) (now - firstAt);
                pause = Math.min(pause, (long) ((target - count) / perNano / 2));
            }
            Thread.sleep(Math.max(POLL.toMillis(), pause / 1_000_000));
            count = sink.rows();
        }
        return System.nanoTime();
    }

    private void awaitRows(S sink, long rows, JobID job) throws Exception {
        long deadline = deadline();
        long lastCheck = 0;
        while (sink.rows() < rows) {
            lastCheck = checkAlive(job, lastCheck, deadline, "the snapshot of " + rows + " rows");
            Thread.sleep(100);
        }
    }

    private void awaitMarker(S sink, String status, JobID job) throws Exception {
        long deadline = deadline();
        long lastCheck = 0;
        while (!status.equals(sink.markerStatus())) {
            lastCheck = checkAlive(job, lastCheck, deadline, "the marker '" + status + "'");
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * Waits for the end of the window: the end marker in the sink and, where the sink's checksum is
     * cheap to poll, the checksum equal to the source's. Returns when that was seen.
     */
    private long awaitCaughtUp(S sink, String expected, JobID job) throws Exception {
        long start = System.nanoTime();
        awaitMarker(sink, "end", job);
        LOG.info("{}: end marker in the sink after {} s", name(), String.format("%.2f", seconds(System.nanoTime() - start)));
        if (sink.checksumInWindow()) {
            awaitChecksum(sink, expected, job);
        }
        return System.nanoTime();
    }

    private void awaitChecksum(S sink, String expected, JobID job) throws Exception {
        long deadline = deadline();
        long lastCheck = 0;
        String actual;
        while (!expected.equals(actual = sink.checksum())) {
            lastCheck = checkAlive(job, lastCheck, deadline,
                    "the sink to equal the source (sink " + actual + ", source " + expected + ")");
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * Compares, after a window that ended at the end marker, the sink's checksum with the source's.
     * If they differ (with parallelism above 1 the marker's subtask can finish before another one),
     * waits until they match and returns that moment as the window's end; otherwise {@code windowEnd}.
     */
    private long verifyAfterWindow(S sink, String expected, JobID job, long windowEnd) throws Exception {
        long start = System.nanoTime();
        String actual = sink.checksum();
        if (expected.equals(actual)) {
            LOG.info("{}: the sink equals the source ({}); compared in {} s after the window", name(), actual,
                    String.format("%.2f", seconds(System.nanoTime() - start)));
            return windowEnd;
        }
        LOG.warn("{}: the end marker arrived before the rest (sink {}, source {}); the window is extended until"
                + " the sink equals the source (CPU and vertex figures still end at the marker)", name(), actual, expected);
        awaitChecksum(sink, expected, job);
        return System.nanoTime();
    }

    /** Fails fast when the job died or the deadline passed; looks at the job at most once a second. */
    private long checkAlive(JobID job, long lastCheck, long deadline, String waitingFor) throws Exception {
        long now = System.nanoTime();
        if (now > deadline) {
            throw new TimeoutException(name() + ": gave up waiting for " + waitingFor + " after "
                    + context.settings().phaseTimeout());
        }
        if (now - lastCheck < 1_000_000_000L) {
            return lastCheck;
        }
        var status = context.cluster().details(job).getJobStatus();
        if (status.isGloballyTerminalState()) {
            throw new IllegalStateException(name() + ": the job ended as " + status + " while waiting for "
                    + waitingFor + "; see the log above");
        }
        return now;
    }

    private long deadline() {
        return System.nanoTime() + context.settings().phaseTimeout().toNanos();
    }

    /** Both jobs fail instead of restarting, so that a failure ends the phase instead of hiding in it. */
    static Configuration noRestarts() {
        Configuration conf = new Configuration();
        conf.setString("restart-strategy.type", "none");
        return conf;
    }

    /** The generator's connection: batched inserts become multi-row statements. */
    static Properties batchedWrites() {
        Properties props = new Properties();
        props.setProperty("reWriteBatchedInserts", "true");
        return props;
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
