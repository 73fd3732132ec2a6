package io.tidemark.bench;

import io.tidemark.bench.BenchSettings.PhaseKind;
import io.tidemark.bench.db.BenchMariaDb;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.BenchRedis;
import io.tidemark.bench.flink.BenchCluster;
import io.tidemark.bench.phase.BenchContext;
import io.tidemark.bench.phase.Phase;
import io.tidemark.bench.phase.PhaseResult;
import io.tidemark.bench.phase.Phases;
import io.tidemark.bench.report.BenchReport;
import io.tidemark.bench.report.MachineInfo;
import io.tidemark.bench.report.MarkdownFile;
import io.tidemark.bench.report.RatesChart;
import io.tidemark.bench.workload.ChangeMix;

import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.util.TimeUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Measures, in one run on one machine and the same data, Tidemark's streaming throughput from
 * PostgreSQL to PostgreSQL against a plain Flink SQL CDC job and against the two ceilings (the
 * source's logical decoding and a plain batched upsert into the sink), and prints the ratios; asked
 * for, also other settings against their base, the Redis sink against pipelined {@code EVALSHA} of its
 * own script, a MariaDB source and the initial snapshot against the plain job's; and draws the rates
 * as an SVG chart ({@code --chart}).
 * See {@code bench/README.md} for the method.
 */
@Command(
        name = "tidemark-bench",
        mixinStandardHelpOptions = true,
        description = "Streaming throughput of Tidemark vs a plain Flink SQL job, logical decoding and batched upserts.")
public final class TidemarkBench implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(TidemarkBench.class);

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_TIMEOUT = 3;

    @Option(names = "--changes", defaultValue = "200000", description = "Changes (N) per phase. Default: ${DEFAULT-VALUE}.")
    int changes;

    @Option(names = "--snapshot-rows", defaultValue = "1000",
            description = "Rows in the source before a job starts. Default: ${DEFAULT-VALUE}.")
    int snapshotRows;

    @Option(names = "--snapshot-chunk-size", defaultValue = "8096",
            description = "Rows per snapshot chunk of both jobs' sources (Tidemark's snapshot-chunk-size, the"
                    + " plain job's scan.incremental.snapshot.chunk.size); the default is both jobs' own."
                    + " Default: ${DEFAULT-VALUE}.")
    int snapshotChunkSize;

    @Option(names = "--transaction-size", defaultValue = "100",
            description = "Changes per source transaction. Default: ${DEFAULT-VALUE}.")
    int transactionSize;

    @Option(names = "--mix", defaultValue = "50/40/10",
            description = "Inserts/updates/deletes in percent. Default: ${DEFAULT-VALUE}.")
    String mix;

    @Option(names = "--parallelism", defaultValue = "1",
            description = "Parallelism of both jobs. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--checkpoint-interval", defaultValue = "10 s",
            description = "Checkpoint interval of both jobs. Default: ${DEFAULT-VALUE}.")
    String checkpointInterval;

    @Option(names = "--repeat", defaultValue = "1",
            description = "Runs of each phase; the median is reported. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated data. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--write-batch-size", defaultValue = "5000",
            description = "Rows per batch in the batched-write phase. Default: ${DEFAULT-VALUE}.")
    int writeBatchSize;

    @Option(names = "--warmup-changes", defaultValue = "50000",
            description = "Changes of one discarded run of each job before any measurement, so that both"
                    + " measure JIT-compiled code (they share the CDC source's classes); 0 skips it."
                    + " Default: ${DEFAULT-VALUE}.")
    int warmupChanges;

    @Option(names = "--phase-timeout", defaultValue = "10 min",
            description = "Give up on a phase after this long. Default: ${DEFAULT-VALUE}.")
    String phaseTimeout;

    @Option(names = "--phases", split = ",", defaultValue = "decoding,batched-write,tidemark,plain-sql",
            description = "Phases to run, comma-separated. Default: ${DEFAULT-VALUE}.")
    List<String> phases;

    @Option(names = "--write-docs", paramLabel = "FILE",
            description = "Also write the results into this Markdown file, between the results markers.")
    Path docs;

    @Option(names = "--chart", paramLabel = "FILE",
            description = "Also draw the median rate of each phase as an SVG bar chart into this file; with"
                    + " --write-docs X.md and no --chart: X-rates.svg beside it, shown in the results.")
    Path chart;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where checkpoints and savepoints go (kept); default: a temporary folder, removed.")
    Path workDir;

    @Option(names = "--verbose", description = "Print stack traces of failures.")
    boolean verbose;

    private String[] args = new String[0];
    private PrintWriter out;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the bench and returns its exit code; only {@link #main} exits the JVM. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        TidemarkBench bench = new TidemarkBench();
        bench.args = args.clone();
        bench.out = out;
        CommandLine cli = new CommandLine(bench).setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("tidemark-bench: " + e.getMessage());
            if (bench.verbose) {
                e.printStackTrace(err);
            }
            return exitCode(e);
        });
        return cli.execute(args);
    }

    static int exitCode(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return EXIT_USAGE;
        }
        if (e instanceof TimeoutException) {
            return EXIT_TIMEOUT;
        }
        return EXIT_FAILURE;
    }

    BenchSettings settings() {
        EnumSet<PhaseKind> kinds = EnumSet.noneOf(PhaseKind.class);
        for (String phase : phases) {
            kinds.add(PhaseKind.of(phase));
        }
        return new BenchSettings(changes, snapshotRows, snapshotChunkSize, transactionSize, ChangeMix.parse(mix), parallelism,
                TimeUtils.parseDuration(checkpointInterval), repeat, seed, writeBatchSize, warmupChanges,
                TimeUtils.parseDuration(phaseTimeout), kinds);
    }

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = settings();
        String loadAtStart = MachineInfo.loadAverage();
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("tidemark-bench");
        Map<PhaseKind, List<PhaseResult>> results = new EnumMap<>(PhaseKind.class);
        String postgresVersion;
        String redisVersion = null;
        String mariaDbVersion = null;
        boolean redisPhases = settings.phases().stream().anyMatch(PhaseKind::usesRedis);
        boolean mariaDbPhases = settings.phases().stream().anyMatch(PhaseKind::usesMariaDb);
        LOG.info("Starting PostgreSQL{}{} and a Flink MiniCluster; work folder {}",
                redisPhases ? ", a Redis master with one replica" : "", mariaDbPhases ? ", MariaDB" : "", work);
        try (BenchPostgres pg = BenchPostgres.start();
                BenchRedis redis = redisPhases ? BenchRedis.start(work) : null;
                BenchMariaDb mariaDb = mariaDbPhases ? BenchMariaDb.start(work) : null;
                BenchCluster cluster = BenchCluster.start(Math.max(4, settings.parallelism() * 2))) {
            postgresVersion = pg.queryString("postgres", "SHOW server_version");
            if (redis != null) {
                redisVersion = redis.version();
            }
            if (mariaDb != null) {
                mariaDbVersion = mariaDb.version();
            }
            BenchContext context = new BenchContext(settings, pg, redis, mariaDb, cluster, work);
            if (settings.warmupChanges() > 0) {
                for (PhaseKind kind : order(settings, 1)) {
                    if (!kind.warmsUp()) {
                        continue; // the ceilings are plain JDBC work: nothing to warm up
                    }
                    Phase phase = Phases.create(kind, context);
                    LOG.info("Warm-up: phase {} with {} changes (not measured)", phase.name(), settings.warmupChanges());
                    phase.warmUp(settings.warmupChanges());
                }
            }
            for (int repetition = 1; repetition <= settings.repeat(); repetition++) {
                for (PhaseKind kind : order(settings, repetition)) {
                    Phase phase = Phases.create(kind, context);
                    LOG.info("Run {} of {}: phase {}", repetition, settings.repeat(), phase.name());
                    results.computeIfAbsent(kind, k -> new ArrayList<>()).add(phase.run(repetition));
                }
            }
        } finally {
            if (workDir == null) {
                deleteRecursively(work);
            }
        }
        MachineInfo machine = MachineInfo.current(postgresVersion, redisVersion, EnvironmentInformation.getVersion(),
                loadAtStart);
        BenchReport report = new BenchReport(settings, machine, command(), results, mariaDbVersion);
        out.println();
        out.print(report.text());
        out.flush();
        Path chartFile = chartFile();
        if (chartFile != null) {
            if (chartFile.toAbsolutePath().getParent() != null) {
                Files.createDirectories(chartFile.toAbsolutePath().getParent());
            }
            Files.writeString(chartFile, RatesChart.svg(report), StandardCharsets.UTF_8);
            out.println();
            out.println("Chart written to " + chartFile);
        }
        if (docs != null) {
            MarkdownFile.writeResults(docs, report.markdown(chartFile == null ? null : chartLink(docs, chartFile)));
            out.println();
            out.println("Results written to " + docs);
        }
        return EXIT_OK;
    }

    /** {@code --chart}, or beside {@code --write-docs X.md} as {@code X-rates.svg}; null for neither. */
    Path chartFile() {
        if (chart != null || docs == null) {
            return chart;
        }
        String name = docs.getFileName().toString();
        String base = name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
        return docs.resolveSibling(base + "-rates.svg");
    }

    /** The chart's address relative to the Markdown file's folder, with forward slashes. */
    static String chartLink(Path markdown, Path chart) {
        Path folder = markdown.toAbsolutePath().normalize().getParent();
        Path target = chart.toAbsolutePath().normalize();
        Path relative = folder == null ? target : folder.relativize(target);
        return relative.toString().replace('\\', '/');
    }

    /**
     * The phases of one repetition: the ceilings and the Redis anchor first, then the jobs, whose order is reversed
     * every other repetition so that a drift in the machine's load does not always favour the same job.
     */
    static List<PhaseKind> order(BenchSettings settings, int repetition) {
        List<PhaseKind> kinds = new ArrayList<>();
        for (PhaseKind kind : List.of(PhaseKind.DECODING, PhaseKind.BATCHED_WRITE, PhaseKind.REDIS_EVALSHA)) {
            if (settings.phases().contains(kind)) {
                kinds.add(kind);
            }
        }
        List<PhaseKind> jobs = new ArrayList<>(List.of(PhaseKind.TIDEMARK, PhaseKind.TIDEMARK_SOURCE_ORDER,
                PhaseKind.TIDEMARK_CHECKPOINTS_1S,
                PhaseKind.PLAIN_SQL, PhaseKind.TIDEMARK_REDIS, PhaseKind.TIDEMARK_REDIS_REPLICAS,
                PhaseKind.TIDEMARK_REDIS_AOF, PhaseKind.TIDEMARK_MARIADB, PhaseKind.PLAIN_SQL_MARIADB,
                PhaseKind.TIDEMARK_SNAPSHOT, PhaseKind.PLAIN_SQL_SNAPSHOT));
        if (repetition % 2 == 0) {
            Collections.reverse(jobs);
        }
        for (PhaseKind kind : jobs) {
            if (settings.phases().contains(kind)) {
                kinds.add(kind);
            }
        }
        return kinds;
    }

    /** How this run was started, for the record: run.sh sets {@code bench.launcher}. */
    private String command() {
        String launcher = System.getProperty("bench.launcher", "java -cp ... " + TidemarkBench.class.getName());
        return args.length == 0 ? launcher : launcher + " " + String.join(" ", args);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }
}
