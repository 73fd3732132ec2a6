package io.tidemark.cli.demo;

import io.tidemark.cli.Resources;
import io.tidemark.cli.flink.FailureWatch;
import io.tidemark.cli.flink.FlinkJobs;
import io.tidemark.cli.flink.LocalFlinkCluster;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;
import io.tidemark.reconcile.TableReconciliation;
import io.tidemark.reconcile.redis.RedisReader;

import io.tidemark.snapshot.rest.RestSnapshotService;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code tidemark demo}: the whole pipeline on this machine with nothing installed but a JDK. Two
 * embedded PostgreSQL servers, an embedded Redis and a local Flink cluster; the job is submitted
 * through the REST API from a real pipeline file with two sinks, PostgreSQL (JDBC) and Redis; it
 * copies the seeded rows, streams a live workload, is stopped at a savepoint, misses changes while
 * it is down, is restored from the savepoint, catches up. While it streams, a few poison changes break
 * a constraint that only the JDBC sink has; they go to its dead-letter queue, which the demo shows,
 * and once the cause is fixed, replays. Then each sink is reconciled with the source table by table.
 */
public final class Demo {

    private static final int STEPS = 9;
    private static final int SLOTS = 4;
    private static final Duration POLL = Duration.ofMillis(250);

    private final DemoSettings settings;
    private final DemoConsole console;
    private final Path workDir;
    private final Path logFile;
    private final Resources resources;
    private final DemoWorkload workload = new DemoWorkload(20_240_611L);

    private FlinkJobs jobs;
    private RestSnapshotService rest;
    private FailureWatch failures;
    /** The running job the progress line reports on; null while no job runs. */
    private volatile JobID currentJob;
    /** What the progress line says about the job besides its state. */
    private volatile String jobNote = "";

    public Demo(DemoSettings settings, DemoConsole console, Path workDir, Path logFile, Resources resources) {
        this.settings = settings;
        this.console = console;
        this.workDir = workDir;
        this.logFile = logFile;
        this.resources = resources;
    }

    public DemoResult run() throws Exception {
        long demoStart = System.nanoTime();
        console.line("Tidemark demo: PostgreSQL -> Flink CDC -> PostgreSQL and Redis, with a savepoint, a restore and"
                + " a dead-letter replay on the way.");
        console.line("Working directory " + workDir + "; Flink, Debezium, PostgreSQL and Redis log to "
                + logFile.getFileName());

        long t = System.nanoTime();
        console.step(1, STEPS, "Starting two embedded PostgreSQL servers (the source with wal_level=logical) and an"
                + " embedded Redis");
        String sourcePassword = password();
        String sinkPassword = password();
        DemoDatabase source = resources.open(
                "source PostgreSQL",
                () -> DemoDatabase.start(workDir.resolve("postgres-source"), "shop", true, sourcePassword),
                DemoDatabase::close);
        DemoDatabase sink = resources.open(
                "sink PostgreSQL",
                () -> DemoDatabase.start(workDir.resolve("postgres-sink"), "warehouse", false, sinkPassword),
                DemoDatabase::close);
        DemoRedis redis = resources.open(
                "embedded Redis", () -> DemoRedis.start(workDir.resolve("redis")), DemoRedis::close);
        console.detail("source " + source + ", sinks " + sink + " and " + redis + took(t));

        t = System.nanoTime();
        console.step(2, STEPS, String.format(Locale.ROOT,
                "Creating tables customers and orders in both PostgreSQL databases; seeding the source with %,d"
                        + " customers and %,d orders",
                settings.customers(), settings.orders()));
        try (Connection c = source.connect()) {
            DemoSchema.create(c, true);
            workload.seed(c, settings.customers(), settings.orders());
        }
        try (Connection c = sink.connect()) {
            DemoSchema.create(c, false);
            DemoDeadLetters.constrainSink(c);
        }
        console.detail("numeric, timestamptz, text, jsonb, boolean columns; orders has a composite primary key" + took(t));
        console.detail("the sink's customers table has one constraint more than the source's: "
                + DemoDeadLetters.CONSTRAIN_SINK);

        t = System.nanoTime();
        console.step(3, STEPS, "Starting a local Flink cluster (1 task manager, " + SLOTS + " slots)");
        LocalFlinkCluster cluster = resources.open(
                "local Flink cluster", () -> LocalFlinkCluster.start(workDir, SLOTS), LocalFlinkCluster::close);
        jobs = cluster.jobs();
        rest = resources.open("REST client", () -> RestSnapshotService.connect(cluster.webUi()), RestSnapshotService::close);
        console.detail("Flink Web UI: " + cluster.webUi() + took(t));

        t = System.nanoTime();
        console.step(4, STEPS, "Writing the pipeline file and checking the source and both sinks");
        Path file = DemoPipelineFile.write(workDir, source, sourcePassword, sink, sinkPassword, redis, settings);
        PipelineDef def = PipelineConfigLoader.load(file);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        RedisSinkDef redisSink = def.sinks().stream()
                .filter(RedisSinkDef.class::isInstance).map(RedisSinkDef.class::cast).findFirst().orElseThrow();
        RedisReader cache = resources.open("Redis reader", () -> RedisReader.connect(redisSink), RedisReader::close);
        console.detail(file.toString());
        console.detail("sinks " + DemoPipelineFile.SINK_NAME + " (jdbc) and " + DemoPipelineFile.REDIS_SINK_NAME
                + " (redis), both tables routed to both; passwords as ${file:...} references; checkpoints every "
                + settings.checkpointInterval().toSeconds() + "s" + took(t));

        t = System.nanoTime();
        console.step(5, STEPS, "Submitting the job through Flink's REST API; waiting for the initial snapshot");
        JobID first = submit(job, SavepointRestoreSettings.none());
        String slot = ((PostgresSourceDef) def.source()).slotName();
        long copied = awaitSnapshot(source, sink, cache, first, slot);
        console.detail(String.format(Locale.ROOT,
                "job %s copied %,d rows into each sink and streams from replication slot %s", first, copied, slot)
                + took(t));

        console.step(6, STEPS, String.format(Locale.ROOT,
                "Changing the source (about %d changes/s) for %ds while the job streams the changes",
                settings.changesPerSecond(), settings.streamBeforeSavepoint().toSeconds()));
        workload.start(source::connect, settings.changesPerSecond());
        resources.add("demo workload", workload::stop);
        ProgressMonitor progress = new ProgressMonitor(console, source, sink, cache, workload, this::jobState);
        resources.add("progress line", progress);
        progress.start();
        Duration beforePoison = settings.streamBeforeSavepoint().dividedBy(2);
        keepChanging(beforePoison);
        List<Long> poison;
        try (Connection c = source.connect()) {
            poison = DemoDeadLetters.inject(c);
        }
        console.detail(String.format(Locale.ROOT,
                "poison: inserted %d customers (ids %s) with credit limits above the sink's cap; the JDBC sink"
                        + " will reject them, Redis takes them", poison.size(), poison));
        keepChanging(settings.streamBeforeSavepoint().minus(beforePoison));

        console.step(7, STEPS, "Savepoint, cancel, changes while no job runs, restore from the savepoint");
        jobNote = ", taking a savepoint";
        String savepoint = jobs.triggerSavepoint(first, def.checkpointing().savepointsDir());
        console.detail("savepoint: " + savepoint);
        jobNote = "";
        currentJob = null;
        jobs.cancel(first, Duration.ofMinutes(1));
        long changesAtCancel = workload.changes();
        console.detail("job " + first + " cancelled; the source keeps changing for "
                + settings.whileDown().toSeconds() + "s with no job running");
        keepChanging(settings.whileDown());
        long changesWhileDown = workload.changes() - changesAtCancel;
        JobID second = submit(job, SavepointRestoreSettings.forPath(savepoint, false));
        console.detail(String.format(Locale.ROOT,
                "job %s restored from the savepoint; %,d changes were made while no job ran", second, changesWhileDown));
        keepChanging(settings.streamAfterRestore());

        workload.stop();
        t = System.nanoTime();
        JdbcSinkDef jdbcSink = DemoDeadLetters.jdbcSink(def);
        console.step(8, STEPS, String.format(Locale.ROOT,
                "Workload stopped after %,d changes; the dead-letter queue of sink %s, fixing the cause, replaying it",
                workload.changes(), jdbcSink.name()));
        List<StoredDeadLetter> queued = awaitDeadLetters(def, jdbcSink, poison.size(), second);
        console.detail(String.format(Locale.ROOT, "%d pending %s in %s:", queued.size(),
                queued.size() == 1 ? "entry" : "entries", def.deadLetterQueue().table()));
        for (String line : DemoDeadLetters.render(queued)) {
            console.detail("  " + line);
        }
        console.detail("fixing the cause on the sink: " + DemoDeadLetters.FIX);
        try (Connection c = sink.connect()) {
            DemoDeadLetters.fix(c);
        }
        ReplaySummary replay = DemoDeadLetters.replay(def, jdbcSink);
        console.detail("replay (as `tidemark dlq replay`): " + DemoDeadLetters.counts(replay.total()) + took(t));

        t = System.nanoTime();
        console.step(9, STEPS, "Waiting for both sinks to catch up");
        ReconcileReport report = awaitCatchUp(def, second);
        progress.close();
        boolean equal = report.equal();
        console.detail((equal ? "caught up" : "not caught up within " + settings.catchUpDeadline().toSeconds() + "s") + took(t));

        console.line("");
        console.line("Reconciliation of each sink with the source, table by table (as `tidemark reconcile`):");
        console.line("  jdbc   checksums computed in both databases over primary-key ranges, bisected where they differ");
        console.line("  redis  every source row against its key's hash, field by field, and no key of a row that is gone");
        List<DemoReconciliation> tables = DemoReconciliation.of(def, report);
        for (String line : DemoReconciliation.render(tables)) {
            console.line(line);
        }
        for (TableReconciliation table : report.tables()) {
            if (!table.equal()) {
                console.line("");
                console.line("First differences in " + table.table() + " (" + table.sink() + "):");
                table.differences().stream().limit(5).forEach(d -> console.detail(d.describe()));
            }
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - demoStart);
        console.line("");
        console.line((equal ? "Source and both sinks are equal. " : "Source and sinks DIFFER. ")
                + String.format(Locale.ROOT, "Demo finished in %d:%02d.", duration.toMinutes(), duration.toSecondsPart()));
        return new DemoResult(tables, cluster.webUi().toString(), savepoint, workload.changes(), changesWhileDown,
                queued.size(), replay.total().applied(), duration);
    }

    private JobID submit(PipelineJob job, SavepointRestoreSettings restore) throws Exception {
        JobID id = resources.open(
                "job",
                () -> jobs.submit(job.jobGraph(new Configuration(), restore)),
                submitted -> jobs.cancel(submitted, Duration.ofSeconds(30)));
        jobs.awaitRunning(id, Duration.ofMinutes(2));
        currentJob = id;
        // the demo never gives up on a job (a permanent failure ends it with the job's own error), but says why it restarts
        failures = new FailureWatch(rest, id, console::detail, 0, Duration.ofMinutes(10));
        return id;
    }

    /**
     * Waits until both sinks have every seeded row and the job reads the WAL from its replication
     * slot; returns how many rows were copied (into each sink).
     *
     * <p>The demo shows the phases one after the other: the snapshot first, then streaming. The
     * pipeline itself keeps changes made during the snapshot (see {@code
     * PostgresToPostgresITCase#changesToEveryTableDuringTheSnapshotAreKept}).
     */
    private long awaitSnapshot(DemoDatabase source, DemoDatabase sink, RedisReader cache, JobID job, String slot)
            throws Exception {
        long[] expected;
        try (Connection c = source.connect()) {
            expected = DemoCounts.rows(c, DemoSchema.TABLES);
        }
        long deadline = System.nanoTime() + settings.snapshotDeadline().toNanos();
        try (Connection c = sink.connect(); Connection s = source.connect()) {
            while (true) {
                long[] copied = DemoCounts.rows(c, DemoSchema.TABLES);
                long[] cached = DemoCounts.keys(cache, DemoSchema.TABLES);
                if (Arrays.equals(copied, expected) && Arrays.equals(cached, expected) && slotActive(s, slot)) {
                    return Arrays.stream(expected).sum();
                }
                checkRunning(job);
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(String.format(Locale.ROOT,
                            "the initial snapshot did not complete within %ds: of %,d rows %,d copied to PostgreSQL"
                                    + " and %,d to Redis, replication slot %s %s; see %s",
                            settings.snapshotDeadline().toSeconds(), Arrays.stream(expected).sum(),
                            Arrays.stream(copied).sum(), Arrays.stream(cached).sum(), slot,
                            slotActive(s, slot) ? "in use" : "not in use", logFile));
                }
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            }
        }
    }

    /**
     * Waits until the JDBC sink's dead-letter queue holds {@code expected} pending entries (or the
     * catch-up deadline passes); returns them.
     */
    private List<StoredDeadLetter> awaitDeadLetters(PipelineDef def, JdbcSinkDef jdbcSink, int expected, JobID job)
            throws Exception {
        long deadline = System.nanoTime() + settings.catchUpDeadline().toNanos();
        while (true) {
            List<StoredDeadLetter> pending = DemoDeadLetters.pending(def, jdbcSink);
            if (pending.size() >= expected || System.nanoTime() > deadline) {
                return pending;
            }
            checkRunning(job);
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    private static boolean slotActive(Connection source, String slot) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * Reconciles (as {@code tidemark reconcile} does, with no settle time) until both sinks equal
     * the source or the deadline passes; returns the last report.
     */
    private ReconcileReport awaitCatchUp(PipelineDef def, JobID job) throws Exception {
        long deadline = System.nanoTime() + settings.catchUpDeadline().toNanos();
        ReconcileOptions options = ReconcileOptions.defaults().withSettleTimeout(Duration.ZERO);
        while (true) {
            ReconcileReport report = new Reconciler(def, options, ReconcileListener.NONE).run();
            if (report.equal() || System.nanoTime() > deadline) {
                return report;
            }
            checkRunning(job);
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    /** Lets the workload run for {@code duration}, failing early if the workload or the job fails. */
    private void keepChanging(Duration duration) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            if (workload.error() != null) {
                throw new IllegalStateException("the demo workload failed: " + workload.error().getMessage(), workload.error());
            }
            JobID job = currentJob;
            if (job != null) {
                checkRunning(job);
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    private void checkRunning(JobID job) throws Exception {
        if (failures != null) {
            failures.check();
        }
        JobStatus status = jobs.status(job);
        if (status.isGloballyTerminalState()) {
            throw jobs.failure(job, status);
        }
    }

    private String jobState() {
        JobID job = currentJob;
        if (job == null) {
            return "none running";
        }
        try {
            return jobs.status(job) + jobNote;
        } catch (Exception e) {
            return "?";
        }
    }

    private static String took(long startNanos) {
        return String.format(Locale.ROOT, "  (%.1fs)", (System.nanoTime() - startNanos) / 1e9);
    }

    /** A random password for the demo's database user, letters and digits only. */
    private static String password() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return password.toString();
    }
}
