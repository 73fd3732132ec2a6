package io.tidemark.bench.snapshots;

import io.tidemark.cli.Main;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Times {@code tidemark savepoint list} and {@code tidemark savepoint cleanup --dry-run} over N snapshots on
 * an S3 endpoint (s3proxy in this JVM), through the CLI's own entry point ({@link Main#run}) and Flink's S3
 * file system loaded as a plugin, as the {@code tidemark} launcher does. The snapshots are laid out as Flink
 * writes them: a tiny job checkpoints to and takes a savepoint on the endpoint first, and what it wrote (its
 * objects, directory markers included, and its {@code _metadata}, re-stored with each snapshot's own
 * checkpoint id) is the template for every savepoint and retained checkpoint the bench puts in the bucket.
 */
@Command(name = "snapshots-bench", mixinStandardHelpOptions = true,
        description = "savepoint list and cleanup --dry-run over N snapshots on s3proxy, through the tidemark CLI.")
public final class SnapshotsBench implements Callable<Integer> {

    private static final String BUCKET = "tidemark-bench";
    private static final String SAVEPOINTS = "savepoints";
    private static final String CHECKPOINTS = "checkpoints";
    private static final String TEMPLATE = "template/";

    @Option(names = "--snapshots", defaultValue = "10000", description = "Snapshots in the bucket. Default: ${DEFAULT-VALUE}.")
    int snapshots;

    @Option(names = "--jobs", defaultValue = "20", description = "Job ids they are spread over. Default: ${DEFAULT-VALUE}.")
    int jobs;

    @Option(names = "--savepoint-percent", defaultValue = "50",
            description = "Savepoints among them, in percent; the rest are retained checkpoints. Default: ${DEFAULT-VALUE}.")
    int savepointPercent;

    @Option(names = "--keep-last", defaultValue = "10", description = "cleanup's --keep-last. Default: ${DEFAULT-VALUE}.")
    int keepLast;

    @Option(names = "--repeat", defaultValue = "5", description = "Timed runs of each command; the median is reported. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed runs of each command first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--blob-store", defaultValue = "filesystem",
            description = "s3proxy's blob store: filesystem (objects on disk, as in the tests) or transient (in memory). Default: ${DEFAULT-VALUE}.")
    String blobStore;

    @Option(names = "--latency-ms", defaultValue = "0",
            description = "Added to every S3 request before s3proxy serves it, standing in for a network round trip. Default: ${DEFAULT-VALUE}.")
    int latencyMillis;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the job ids and savepoint names. Default: ${DEFAULT-VALUE}.")
    long seed;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SnapshotsBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (System.getenv("FLINK_PLUGINS_DIR") == null) {
            throw new IllegalStateException("FLINK_PLUGINS_DIR is not set: run through bench/snapshots.sh, which points it at"
                    + " tidemark-cli/target/plugins (Flink's S3 file system) as the tidemark launcher does");
        }
        String loadAtStart = loadAverage();
        try (BenchS3 s3 = BenchS3.start(BUCKET, blobStore, latencyMillis)) {
            Template template = writeTemplate(s3);
            long started = System.nanoTime();
            Fill fill = fill(s3, template);
            log("filled the bucket: %,d savepoints and %,d retained checkpoints of %d jobs, %,d objects, in %.1f s",
                    fill.savepoints, fill.checkpoints, jobs, fill.objects, (System.nanoTime() - started) / 1e9);

            List<String> storage = new ArrayList<>(List.of("--savepoint-dir", s3.uri(SAVEPOINTS), "--checkpoint-dir", s3.uri(CHECKPOINTS)));
            storage.addAll(s3.flinkOptions());
            List<String> list = new ArrayList<>(List.of("savepoint", "list"));
            list.addAll(storage);
            List<String> cleanup = new ArrayList<>(List.of("savepoint", "cleanup", "--dry-run", "--offline", "--include-checkpoints",
                    "--keep-last", Integer.toString(keepLast)));
            cleanup.addAll(storage);

            Measurement listed = measure(s3, "savepoint list", list, out -> {
                long lines = out.lines().filter(line -> line.contains("s3://" + BUCKET + "/")).count();
                check(lines == snapshots, "savepoint list printed " + lines + " snapshots, expected " + snapshots);
            });
            Measurement cleaned = measure(s3, "savepoint cleanup --dry-run", cleanup, out -> {
                long wouldDelete = out.lines().filter(line -> line.startsWith("would delete ")).count();
                long kept = out.lines().filter(line -> line.startsWith("keep ")).count();
                check(wouldDelete + kept == snapshots && wouldDelete >= snapshots - keepLast - 1,
                        "cleanup --dry-run would delete " + wouldDelete + " and keep " + kept + " of " + snapshots);
            });

            System.out.printf(Locale.ROOT, "%n%,d snapshots (%,d savepoints, %,d retained checkpoints of %d jobs; %,d objects) on"
                    + " s3proxy (%s blob store, %d ms added per request), %d timed runs after %d warm-up%n%n", snapshots, fill.savepoints,
                    fill.checkpoints, jobs, fill.objects, blobStore, latencyMillis, repeat, warmup);
            System.out.println("| command | median | min – max | all runs | JVM CPU, median | S3 requests per run |");
            System.out.println("|---|---:|---:|---|---:|---|");
            for (Measurement m : List.of(listed, cleaned)) {
                System.out.printf(Locale.ROOT, "| `tidemark %s` | %.2f s | %.2f – %.2f s | %s | %.1f s | %s |%n", m.name, m.median(), m.min(),
                        m.max(), m.runs(), m.medianCpu(), m.requests());
            }
            System.out.printf(Locale.ROOT, "%nload average (1, 5, 15 min): %s at start, %s at end; %d cores%n", loadAtStart, loadAverage(),
                    Runtime.getRuntime().availableProcessors());
        }
        return 0;
    }

    // ---- the template: what a real job writes -------------------------------------------------------------

    /** A savepoint's and a retained checkpoint's objects as a real job left them, relative to their directories. */
    private record Template(Map<String, byte[]> savepoint, Map<String, byte[]> checkpoint, Map<String, byte[]> job,
                            CheckpointMetadata savepointMetadata, CheckpointMetadata checkpointMetadata) {}

    private Template writeTemplate(BenchS3 s3) throws Exception {
        Configuration conf = new Configuration();
        for (int i = 0; i < s3.flinkOptions().size(); i += 2) {
            String[] kv = s3.flinkOptions().get(i + 1).split("=", 2);
            conf.setString(kv[0], kv[1]);
        }
        // what SnapshotStorage.create does: Flink's S3 file system as a plugin, for this JVM (the MiniCluster too)
        FileSystem.initialize(conf, PluginUtils.createPluginManagerFromRootFolder(conf));
        conf.setString("state.checkpoints.dir", s3.uri(TEMPLATE + CHECKPOINTS));
        conf.setString("state.savepoints.dir", s3.uri(TEMPLATE + SAVEPOINTS));
        conf.setString("execution.checkpointing.interval", "300 ms");
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.setString("rest.bind-port", "0");

        log("writing a template savepoint and checkpoint with a tiny job on %s", s3.endpoint());
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(2);
            env.addSource(new TickSource()).uid("ticks").name("ticks")
                    .keyBy(tick -> tick % 16)
                    .map(new Count()).uid("count").name("count")
                    .addSink(new DiscardingSink<>()).uid("discard").name("discard");
            JobGraph graph = env.getStreamGraph().getJobGraph();
            JobID job = cluster.submitJob(graph).get(1, TimeUnit.MINUTES).getJobID();
            String checkpointsOfJob = TEMPLATE + CHECKPOINTS + "/" + job.toHexString() + "/";
            awaitMetadata(s3, checkpointsOfJob + "chk-");
            cluster.triggerSavepoint(job, s3.uri(TEMPLATE + SAVEPOINTS), false, SavepointFormatType.CANONICAL)
                    .get(1, TimeUnit.MINUTES);
            Thread.sleep(1000); // a few more checkpoints: the retained one is not the first
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (cluster.getJobStatus(job).get() != JobStatus.CANCELED && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }

        Map<String, byte[]> savepoint = new LinkedHashMap<>();
        Map<String, byte[]> checkpoint = new LinkedHashMap<>();
        Map<String, byte[]> jobLevel = new LinkedHashMap<>();
        log("objects the job left (the template):");
        for (S3Object object : s3.objects(TEMPLATE)) {
            String key = object.key();
            log("  %s (%d bytes)", key, object.size());
            String[] parts = key.substring(TEMPLATE.length()).split("/", 3);
            byte[] bytes = s3.get(key);
            if (parts[0].equals(SAVEPOINTS) && parts.length == 3) {
                savepoint.put(parts[2], bytes);
            } else if (parts[0].equals(CHECKPOINTS) && parts.length == 3 && parts[2].startsWith("chk-")) {
                String[] chk = parts[2].split("/", 2);
                checkpoint.put(chk.length == 2 ? chk[1] : "", bytes);
            } else if (parts[0].equals(CHECKPOINTS) && parts.length == 3) {
                jobLevel.put(parts[2], bytes);
            } else if (!(parts[0].equals(SAVEPOINTS) || parts[0].equals(CHECKPOINTS)) || parts.length != 2 || !parts[1].isEmpty()) {
                throw new IllegalStateException("unexpected object in the template: " + key);
            }
            s3.remove(key);
        }
        check(savepoint.containsKey("_metadata") && checkpoint.containsKey("_metadata"),
                "the tiny job left no savepoint or no retained checkpoint: " + savepoint.keySet() + ", " + checkpoint.keySet());
        return new Template(savepoint, checkpoint, jobLevel, load(savepoint.get("_metadata")), load(checkpoint.get("_metadata")));
    }

    private static void awaitMetadata(BenchS3 s3, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (s3.objects(prefix).stream().noneMatch(o -> o.key().endsWith("/_metadata"))) {
            check(System.nanoTime() < deadline, "no checkpoint under " + prefix + " after a minute");
            Thread.sleep(100);
        }
    }

    private static CheckpointMetadata load(byte[] metadata) throws Exception {
        return Checkpoints.loadCheckpointMetadata(new DataInputStream(new ByteArrayInputStream(metadata)),
                SnapshotsBench.class.getClassLoader(), "template");
    }

    private static byte[] withId(CheckpointMetadata template, long checkpointId) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(checkpointId, template.getOperatorStates(),
                template.getMasterStates(), template.getCheckpointProperties()), out);
        return out.toByteArray();
    }

    // ---- the fill ------------------------------------------------------------------------------------------

    private record Fill(int savepoints, int checkpoints, long objects) {}

    private Fill fill(BenchS3 s3, Template template) throws Exception {
        Random random = new Random(seed);
        HexFormat hex = HexFormat.of();
        int savepointCount = (int) Math.round(snapshots * savepointPercent / 100.0);
        int checkpointCount = snapshots - savepointCount;
        long objects = 0;
        int savepointsWritten = 0;
        int checkpointsWritten = 0;
        for (int j = 0; j < jobs; j++) {
            byte[] id = new byte[16];
            random.nextBytes(id);
            String jobId = hex.formatHex(id);
            int savepointsOfJob = share(savepointCount, j);
            int checkpointsOfJob = share(checkpointCount, j);
            if (checkpointsOfJob > 0) {
                for (Map.Entry<String, byte[]> e : template.job.entrySet()) {
                    s3.put(CHECKPOINTS + "/" + jobId + "/" + e.getKey(), e.getValue());
                    objects++;
                }
            }
            // a job's savepoints and checkpoints share one counter: interleave them
            long checkpointId = 1;
            int s = 0;
            int c = 0;
            while (s < savepointsOfJob || c < checkpointsOfJob) {
                boolean savepoint = c >= checkpointsOfJob || (s < savepointsOfJob && (long) s * checkpointsOfJob <= (long) c * savepointsOfJob);
                if (savepoint) {
                    byte[] suffix = new byte[6];
                    random.nextBytes(suffix);
                    String dir = SAVEPOINTS + "/savepoint-" + jobId.substring(0, 6) + "-" + hex.formatHex(suffix) + "/";
                    objects += put(s3, dir, template.savepoint, template.savepointMetadata, checkpointId);
                    s++;
                } else {
                    String dir = CHECKPOINTS + "/" + jobId + "/chk-" + checkpointId + "/";
                    objects += put(s3, dir, template.checkpoint, template.checkpointMetadata, checkpointId);
                    c++;
                }
                checkpointId += 1 + random.nextInt(5);
            }
            savepointsWritten += s;
            checkpointsWritten += c;
        }
        return new Fill(savepointsWritten, checkpointsWritten, objects);
    }

    private int share(int total, int job) {
        return total / jobs + (job < total % jobs ? 1 : 0);
    }

    private static int put(BenchS3 s3, String directory, Map<String, byte[]> objects, CheckpointMetadata metadata, long checkpointId)
            throws Exception {
        for (Map.Entry<String, byte[]> e : objects.entrySet()) {
            byte[] bytes = e.getKey().equals("_metadata") ? withId(metadata, checkpointId) : e.getValue();
            s3.put(directory + e.getKey(), bytes);
        }
        return objects.size();
    }

    // ---- timing --------------------------------------------------------------------------------------------

    private record Measurement(String name, List<Double> seconds, List<Double> cpuSeconds, List<Map<String, Long>> requestsPerRun) {
        double median() {
            List<Double> sorted = seconds.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        double min() {
            return seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        }

        double max() {
            return seconds.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }

        double medianCpu() {
            List<Double> sorted = cpuSeconds.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        String runs() {
            return String.join(", ", seconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList());
        }

        /** The last run's requests (each run makes the same ones). */
        String requests() {
            Map<String, Long> last = requestsPerRun.get(requestsPerRun.size() - 1);
            long total = last.values().stream().mapToLong(Long::longValue).sum();
            return String.format(Locale.ROOT, "%,d: ", total) + String.join(", ", last.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).toList());
        }
    }

    private interface OutputCheck {
        void check(String out);
    }

    private Measurement measure(BenchS3 s3, String name, List<String> args, OutputCheck check) {
        List<Double> seconds = new ArrayList<>();
        List<Double> cpuSeconds = new ArrayList<>();
        List<Map<String, Long>> requests = new ArrayList<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int run = 0; run < warmup + repeat; run++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            s3.takeCalls();
            long cpuBefore = os.getProcessCpuTime();
            long started = System.nanoTime();
            int exit = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                    args.toArray(String[]::new));
            double elapsed = (System.nanoTime() - started) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpuBefore) / 1e9;
            Map<String, Long> calls = s3.takeCalls();
            String output = out.toString(StandardCharsets.UTF_8);
            check(exit == 0, "tidemark " + name + " exited with " + exit + ": " + err.toString(StandardCharsets.UTF_8).strip());
            check.check(output);
            boolean timed = run >= warmup;
            log("%s run %d%s: %.2f s, %.1f CPU s (client and server), S3 requests %s", name, run + 1, timed ? "" : " (warm-up)",
                    elapsed, cpu, calls);
            if (timed) {
                seconds.add(elapsed);
                cpuSeconds.add(cpu);
                requests.add(calls);
            }
        }
        return new Measurement(name, seconds, cpuSeconds, requests);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (Exception e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
    }

    // ---- the tiny job --------------------------------------------------------------------------------------

    /** A number every millisecond: enough for a few keyed counts in each checkpoint. */
    private static final class TickSource implements SourceFunction<Long> {
        private volatile boolean running = true;

        @Override
        public void run(SourceContext<Long> ctx) throws Exception {
            long next = 0;
            while (running) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(next++);
                }
                Thread.sleep(1);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** Counts ticks per key in keyed state. */
    private static final class Count extends RichMapFunction<Long, Long> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
        }

        @Override
        public Long map(Long tick) throws Exception {
            long next = count.value() == null ? 1 : count.value() + 1;
            count.update(next);
            return next;
        }
    }
}
