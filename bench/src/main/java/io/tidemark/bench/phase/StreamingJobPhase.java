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
 * (they wait in the WAL, held by the job's replication slot), and the job is restored from the
 * savepoint. The window runs from the moment every task of the restored job runs until the sink
 * equals the source (the end marker, written last, has arrived and the checksums match).
 */
abstract class StreamingJobPhase implements Phase {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingJobPhase.class);
    private static final Duration POLL = Duration.ofMillis(25);

    protected final BenchContext context;

    StreamingJobPhase(BenchContext context) {
        this.context = context;
    }

    /** Databases and names of one run of the phase. */
    protected record Run(String sourceDb, String sinkDb, String slot, Path checkpoints, int repetition) {}

    /** A short lower-case name for databases and slots. */
    protected abstract String prefix();

    /** Called once per run before the first submission (create sink metadata, etc.). */
    protected void prepare(Run run) throws Exception {}

    /** The job graph of this run, fresh or restored. */
    protected abstract JobGraph jobGraph(Run run, SavepointRestoreSettings restore) throws Exception;

    @Override
    public PhaseResult run(int repetition) throws Exception {
        return run(repetition, context.settings().changes());
    }

    /** A discarded run with fewer changes, so that the JIT has compiled the job's code before any measurement. */
    @Override
    public void warmUp(int changes) throws Exception {
        run(0, changes);
    }

    private PhaseResult run(int repetition, int changes) throws Exception {
        BenchSettings settings = context.settings();
        BenchPostgres pg = context.postgres();
        String sourceDb = pg.createDatabase(prefix() + "_src");
        String sinkDb = pg.createDatabase(prefix() + "_sink");
        OrdersTable.createSource(pg, sourceDb);
        OrdersTable.createSink(pg, sinkDb);
        Run run = new Run(sourceDb, sinkDb, "bench_" + prefix() + "_" + repetition,
                context.workDir().resolve(prefix() + "-" + repetition), repetition);

        ChangeWorkload workload = new ChangeWorkload(settings.seed(), settings.mix(), settings.transactionSize());
        JobID first = null;
        JobID second = null;
        try (Connection source = pg.connect(sourceDb, batchedWrites()); Connection sink = pg.connect(sinkDb)) {
            workload.seed(source, settings.snapshotRows());
            prepare(run);

            LOG.info("{}: starting the job on a {}-row snapshot", name(), settings.snapshotRows());
            first = context.cluster().submit(jobGraph(run, SavepointRestoreSettings.none()));
            awaitRows(sink, settings.snapshotRows() + 1L, first);
            ChangeWorkload.mark(source, "streaming");
            awaitMarker(sink, "streaming", first);
            String savepoint = context.cluster().stopWithSavepoint(
                    first, run.checkpoints().resolve("savepoints").toUri().toString());
            LOG.info("{}: streaming reached, stopped with savepoint {}", name(), savepoint);

            long generateStart = System.nanoTime();
            ChangeWorkload.Counts counts = workload.run(source, changes);
            ChangeWorkload.mark(source, "end");
            long items = counts.total() + 1L; // the changes and the 'end' marker update
            String expected = OrdersTable.checksum(source);
            LOG.info("{}: wrote {} changes ({} inserts, {} updates, {} deletes in {} transactions) in {} s"
                            + " while the job was stopped",
                    name(), counts.total(), counts.inserts(), counts.updates(), counts.deletes(),
                    counts.transactions(), String.format("%.1f", seconds(System.nanoTime() - generateStart)));

            long submitted = System.nanoTime();
            second = context.cluster().submit(jobGraph(run, SavepointRestoreSettings.forPath(savepoint, false)));
            context.cluster().awaitAllTasksRunning(second, settings.phaseTimeout());
            long start = System.nanoTime();
            CpuUsage cpuStart = CpuUsage.now(context.postgres().postmasterPid());
            VertexLoadSampler sampler = VertexLoadSampler.start(context.cluster().restAddress(), second);
            long end;
            double[] cores;
            List<VertexLoad> loads;
            try {
                awaitCaughtUp(sink, expected, second);
                end = System.nanoTime();
                cores = CpuUsage.now(context.postgres().postmasterPid()).coresSince(cpuStart);
            } finally {
                loads = sampler.stop();
            }
            PhaseResult result = new PhaseResult(name(), items, seconds(end - start), seconds(start - submitted),
                    cores[0], cores[1], cores[2], loads);
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
            pg.dropSlotQuietly(sourceDb, run.slot());
        }
    }

    private void awaitRows(Connection sink, long rows, JobID job) throws Exception {
        long deadline = deadline();
        long lastCheck = 0;
        while (OrdersTable.count(sink) < rows) {
            lastCheck = checkAlive(job, lastCheck, deadline, "the snapshot of " + rows + " rows");
            Thread.sleep(100);
        }
    }

    private void awaitMarker(Connection sink, String status, JobID job) throws Exception {
        long deadline = deadline();
        long lastCheck = 0;
        while (!status.equals(OrdersTable.markerStatus(sink))) {
            lastCheck = checkAlive(job, lastCheck, deadline, "the marker '" + status + "'");
            Thread.sleep(POLL.toMillis());
        }
    }

    private void awaitCaughtUp(Connection sink, String expected, JobID job) throws Exception {
        long start = System.nanoTime();
        awaitMarker(sink, "end", job);
        LOG.info("{}: end marker in the sink after {} s", name(), String.format("%.2f", seconds(System.nanoTime() - start)));
        long deadline = deadline();
        long lastCheck = 0;
        String actual;
        while (!expected.equals(actual = OrdersTable.checksum(sink))) {
            lastCheck = checkAlive(job, lastCheck, deadline,
                    "the sink to equal the source (sink " + actual + ", source " + expected + ")");
            Thread.sleep(POLL.toMillis());
        }
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
