package io.tidemark.bench.report;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.BenchSettings.PhaseKind;
import io.tidemark.bench.load.VertexLoadSampler.VertexLoad;
import io.tidemark.bench.phase.PhaseResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The results of a run: the median rate of each phase, the two ratios the bench exists for, what
 * a setting of Tidemark's costs against its default where both ran, and where the jobs spent their
 * time; as plain text for the terminal and as Markdown for {@code docs/benchmarks.md}.
 */
public final class BenchReport {

    /** {@code tidemark / plain_sql} should reach this. */
    public static final double PLAIN_SQL_TARGET = 2.0;
    /** {@code tidemark / min(decoding, batched_write)} should reach this. */
    public static final double CEILING_TARGET = 0.6;

    /**
     * Two phases measured side by side, printed when both ran: a setting against its base (what the
     * setting costs), or Tidemark against the plain job on another path, with a target if it has one.
     */
    record CostRatio(PhaseKind measured, PhaseKind base, String meaning, OptionalDouble target) {
        CostRatio(PhaseKind measured, PhaseKind base, String meaning) {
            this(measured, base, meaning, OptionalDouble.empty());
        }

        String name() {
            return measured.key() + " / " + base.key();
        }
    }

    /** {@code tidemark-snapshot / plain-sql-snapshot} should reach this. */
    public static final double SNAPSHOT_TARGET = 3.0;

    /** {@code tidemark-redis / redis-evalsha} should reach this. */
    public static final double REDIS_ANCHOR_TARGET = 0.5;

    /** The ratios printed when both of their phases ran, in this order. */
    static final List<CostRatio> COST_RATIOS = List.of(
            new CostRatio(PhaseKind.TIDEMARK_SOURCE_ORDER, PhaseKind.TIDEMARK, "the cost of apply-order: source"),
            new CostRatio(PhaseKind.TIDEMARK_CHECKPOINTS_1S, PhaseKind.TIDEMARK,
                    "the cost of checkpoints every second (against tidemark's --checkpoint-interval)"),
            new CostRatio(PhaseKind.TIDEMARK_REDIS, PhaseKind.REDIS_EVALSHA,
                    "the Redis sink against pipelined guarded EVALSHA of the same changes",
                    OptionalDouble.of(REDIS_ANCHOR_TARGET)),
            new CostRatio(PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS,
                    "the cost of durability: replicas 1"),
            new CostRatio(PhaseKind.TIDEMARK_REDIS_AOF, PhaseKind.TIDEMARK_REDIS, "the cost of durability: aof"),
            new CostRatio(PhaseKind.TIDEMARK_MARIADB, PhaseKind.PLAIN_SQL_MARIADB,
                    "MariaDB to PostgreSQL streaming, Tidemark against plain mysql-cdc to jdbc"),
            new CostRatio(PhaseKind.TIDEMARK_SNAPSHOT, PhaseKind.PLAIN_SQL_SNAPSHOT,
                    "initial snapshot, Tidemark against plain postgres-cdc to jdbc", OptionalDouble.of(SNAPSHOT_TARGET)));

    /** The jobs whose vertices' busy, back-pressured and idle time is shown. */
    private static final List<PhaseKind> VERTEX_LOAD_PHASES = List.of(PhaseKind.TIDEMARK, PhaseKind.PLAIN_SQL,
            PhaseKind.TIDEMARK_REDIS, PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS_AOF,
            PhaseKind.TIDEMARK_MARIADB, PhaseKind.PLAIN_SQL_MARIADB, PhaseKind.TIDEMARK_SNAPSHOT,
            PhaseKind.PLAIN_SQL_SNAPSHOT);

    private final BenchSettings settings;
    private final MachineInfo machine;
    private final String command;
    private final Map<PhaseKind, List<PhaseResult>> results;
    /** The MariaDB server's version, or null when no MariaDB phase ran. */
    private final String mariaDbVersion;

    public BenchReport(BenchSettings settings, MachineInfo machine, String command,
            Map<PhaseKind, List<PhaseResult>> results) {
        this(settings, machine, command, results, null);
    }

    public BenchReport(BenchSettings settings, MachineInfo machine, String command,
            Map<PhaseKind, List<PhaseResult>> results, String mariaDbVersion) {
        this.settings = settings;
        this.machine = machine;
        this.command = command;
        this.results = new EnumMap<>(PhaseKind.class);
        results.forEach((kind, runs) -> this.results.put(kind, List.copyOf(runs)));
        this.mariaDbVersion = mariaDbVersion;
    }

    BenchSettings settings() {
        return settings;
    }

    MachineInfo machine() {
        return machine;
    }

    String command() {
        return command;
    }

    /** The median rate of a phase; the mean of the two middle runs for an even count. */
    public OptionalDouble rate(PhaseKind kind) {
        List<PhaseResult> runs = results.get(kind);
        if (runs == null || runs.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] rates = runs.stream().mapToDouble(PhaseResult::rate).sorted().toArray();
        int middle = rates.length / 2;
        return OptionalDouble.of(rates.length % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2);
    }

    /** The run whose rate is the median (the lower middle for an even count): its details are shown. */
    private PhaseResult medianRun(PhaseKind kind) {
        List<PhaseResult> runs = new ArrayList<>(results.get(kind));
        runs.sort(Comparator.comparingDouble(PhaseResult::rate));
        return runs.get((runs.size() - 1) / 2);
    }

    public OptionalDouble plainSqlRatio() {
        return ratio(PhaseKind.TIDEMARK, PhaseKind.PLAIN_SQL);
    }

    public OptionalDouble ceilingRatio() {
        OptionalDouble tidemark = rate(PhaseKind.TIDEMARK);
        OptionalDouble decoding = rate(PhaseKind.DECODING);
        OptionalDouble write = rate(PhaseKind.BATCHED_WRITE);
        return tidemark.isPresent() && decoding.isPresent() && write.isPresent()
                ? OptionalDouble.of(tidemark.getAsDouble() / Math.min(decoding.getAsDouble(), write.getAsDouble()))
                : OptionalDouble.empty();
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Tidemark bench, %s: %d cores, %s, %s, PostgreSQL %s,%s%s Flink %s%n",
                machine.date(), machine.cores(), machine.memory(), machine.javaVersion(), machine.postgresVersion(),
                machine.redisVersion() != null ? " Redis " + machine.redisVersion() + "," : "",
                mariaDbVersion != null ? " MariaDB " + mariaDbVersion + "," : "", machine.flinkVersion()));
        out.append(workload()).append("\n\n");
        out.append(String.format(Locale.ROOT, "load average (1, 5, 15 min): %s at start, %s at end%n%n",
                machine.loadAtStart(), machine.loadAtEnd()));
        boolean redis = redisRan();
        boolean mariaDb = mariaDbRan();
        out.append(String.format(Locale.ROOT, "%-23s %20s %10s %10s %10s %10s %s%s%10s   %s%n",
                "phase", "median rate", "window", "startup", "JVM cores", "PG cores",
                redis ? String.format(Locale.ROOT, "%11s ", "Redis cores") : "",
                mariaDb ? String.format(Locale.ROOT, "%13s ", "MariaDB cores") : "", "other", "rates of all runs"));
        for (PhaseKind kind : PhaseKind.values()) {
            if (!results.containsKey(kind)) {
                continue;
            }
            PhaseResult median = medianRun(kind);
            out.append(String.format(Locale.ROOT, "%-23s %20s %8.2f s %10s %10.2f %10.2f %s%s%10.2f   %s%n",
                    kind.key(), number(rate(kind).getAsDouble()) + " " + unit(kind), median.seconds(),
                    median.startupSeconds() > 0 ? String.format(Locale.ROOT, "%.2f s", median.startupSeconds()) : "-",
                    median.jvmCores(), median.postgresCores(),
                    redis ? String.format(Locale.ROOT, "%11.2f ", median.redisCores()) : "",
                    mariaDb ? String.format(Locale.ROOT, "%13.2f ", median.mariaDbCores()) : "",
                    median.otherCores(), allRates(kind)));
        }
        out.append('\n');
        out.append(ratioLine("tidemark / plain_sql", plainSqlRatio(), PLAIN_SQL_TARGET));
        out.append(ratioLine("tidemark / min(decoding, batched_write)", ceilingRatio(), CEILING_TARGET));
        for (CostRatio cost : COST_RATIOS) {
            OptionalDouble r = ratio(cost.measured(), cost.base());
            if (r.isEmpty()) {
                continue;
            }
            if (cost.target().isPresent()) {
                out.append(ratioLine(cost.name(), r, cost.target().getAsDouble()).stripTrailing())
                        .append("   ").append(cost.meaning()).append('\n');
            } else {
                out.append(String.format(Locale.ROOT, "%-42s %6.2f   %s%n", cost.name(), r.getAsDouble(),
                        cost.meaning()));
            }
        }
        for (PhaseKind kind : VERTEX_LOAD_PHASES) {
            if (!results.containsKey(kind) || medianRun(kind).vertexLoads().isEmpty()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%n%s vertices (ms per second, averaged over the window):%n",
                    kind.key()));
            for (VertexLoad load : medianRun(kind).vertexLoads()) {
                out.append(String.format(Locale.ROOT, "  busy %4.0f  back-pressured %4.0f  idle %4.0f  %s%n",
                        load.busyMsPerSecond(), load.backPressuredMsPerSecond(), load.idleMsPerSecond(),
                        shorten(load.name())));
            }
        }
        return out.toString();
    }

    public String markdown() {
        return markdown(null);
    }

    /**
     * The results as Markdown; with {@code chartLink} (the chart's address relative to the Markdown
     * file, e.g. {@code benchmarks-rates.svg}), the chart is shown below the ratios.
     */
    public String markdown(String chartLink) {
        StringBuilder md = new StringBuilder();
        md.append("### Run of ").append(machine.date()).append("\n\n");
        md.append("- Command: `").append(command).append("`\n");
        md.append("- Machine: ").append(machine.cores()).append(" cores (`nproc`), ").append(machine.memory())
                .append(" memory, ").append(machine.cpuModel()).append('\n');
        md.append("- Software: ").append(machine.javaVersion()).append(", PostgreSQL ")
                .append(machine.postgresVersion()).append(" (embedded, one server for every phase), ");
        if (machine.redisVersion() != null) {
            md.append("Redis ").append(machine.redisVersion())
                    .append(" (embedded, a master with one replica for every Redis phase), ");
        }
        if (mariaDbVersion != null) {
            md.append("MariaDB ").append(mariaDbVersion).append(" (Debian's mariadbd, one server for every MariaDB phase), ");
        }
        md.append("Flink ").append(machine.flinkVersion()).append(" MiniCluster\n");
        md.append("- Workload: ").append(workload()).append('\n');
        md.append("- Load average (1, 5, 15 min): ").append(machine.loadAtStart()).append(" at start, ")
                .append(machine.loadAtEnd()).append(" at end\n\n");
        boolean redis = redisRan();
        boolean mariaDb = mariaDbRan();
        boolean snapshots = results.keySet().stream().anyMatch(PhaseKind::isSnapshot);
        md.append("| phase | median rate | window | "
                + (snapshots ? "startup (in the window of snapshot phases only)" : "startup (not in window)")
                + " | JVM cores | PostgreSQL cores"
                + (redis ? " | Redis cores" : "") + (mariaDb ? " | MariaDB cores" : "")
                + " | other processes' cores | all runs |\n");
        md.append("|---|---:|---:|---:|---:|---:|").append(redis ? "---:|" : "").append(mariaDb ? "---:|" : "")
                .append("---:|---|\n");
        for (PhaseKind kind : PhaseKind.values()) {
            if (!results.containsKey(kind)) {
                continue;
            }
            PhaseResult median = medianRun(kind);
            md.append(String.format(Locale.ROOT, "| %s | %s %s | %.2f s | %s | %.2f | %.2f |%s%s %.2f | %s |%n",
                    kind.key(), number(rate(kind).getAsDouble()), unit(kind), median.seconds(),
                    median.startupSeconds() > 0 ? String.format(Locale.ROOT, "%.2f s", median.startupSeconds()) : "-",
                    median.jvmCores(), median.postgresCores(),
                    redis ? String.format(Locale.ROOT, " %.2f |", median.redisCores()) : "",
                    mariaDb ? String.format(Locale.ROOT, " %.2f |", median.mariaDbCores()) : "",
                    median.otherCores(), allRates(kind)));
        }
        md.append("\n| ratio | value | target | |\n|---|---:|---:|---|\n");
        md.append(ratioRow("tidemark / plain_sql", plainSqlRatio(), PLAIN_SQL_TARGET));
        md.append(ratioRow("tidemark / min(decoding, batched_write)", ceilingRatio(), CEILING_TARGET));
        for (CostRatio cost : COST_RATIOS) {
            OptionalDouble r = ratio(cost.measured(), cost.base());
            if (r.isEmpty()) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %s |%n", cost.name(), r.getAsDouble(),
                    cost.target().isPresent()
                            ? String.format(Locale.ROOT, "≥ %.1f", cost.target().getAsDouble()) : "—",
                    cost.target().isPresent()
                            ? verdict(r, cost.target().getAsDouble()) + ": " + cost.meaning() : cost.meaning()));
        }
        if (chartLink != null) {
            md.append("\n![rates per phase](").append(chartLink).append(")\n");
        }
        for (PhaseKind kind : VERTEX_LOAD_PHASES) {
            if (!results.containsKey(kind) || medianRun(kind).vertexLoads().isEmpty()) {
                continue;
            }
            md.append("\n").append(kind.key()).append(" vertices, ms per second averaged over the window:\n\n");
            md.append("| vertex | busy | back-pressured | idle |\n|---|---:|---:|---:|\n");
            for (VertexLoad load : medianRun(kind).vertexLoads()) {
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n",
                        shorten(load.name()).replace("|", "\\|"), load.busyMsPerSecond(),
                        load.backPressuredMsPerSecond(), load.idleMsPerSecond()));
            }
        }
        return md.toString();
    }

    /** The median rate of {@code measured} over that of {@code base}, where both ran. */
    public OptionalDouble ratio(PhaseKind measured, PhaseKind base) {
        OptionalDouble numerator = rate(measured);
        OptionalDouble denominator = rate(base);
        return numerator.isPresent() && denominator.isPresent()
                ? OptionalDouble.of(numerator.getAsDouble() / denominator.getAsDouble())
                : OptionalDouble.empty();
    }

    private boolean mariaDbRan() {
        return results.keySet().stream().anyMatch(PhaseKind::usesMariaDb);
    }

    private boolean redisRan() {
        return results.keySet().stream().anyMatch(PhaseKind::usesRedis);
    }

    private String workload() {
        return String.format(Locale.ROOT,
                "N = %s changes (insert/update/delete %s, %d per transaction) after a %s-row snapshot"
                        + " (chunks of %s rows),"
                        + " parallelism %d, checkpoints every %d s, %d run%s per phase (median), warm-up %s changes"
                        + " per job, seed %d",
                number(settings.changes()), settings.mix(), settings.transactionSize(), number(settings.snapshotRows()),
                number(settings.snapshotChunkSize()), settings.parallelism(), settings.checkpointInterval().toSeconds(), settings.repeat(),
                settings.repeat() == 1 ? "" : "s", number(settings.warmupChanges()), settings.seed());
    }

    private String allRates(PhaseKind kind) {
        List<String> rates = new ArrayList<>();
        for (PhaseResult run : results.get(kind)) {
            rates.add(number(run.rate()));
        }
        return String.join(", ", rates);
    }

    /** What a phase's rate counts: rows for the plain upsert and the snapshots, changes otherwise. */
    static String unit(PhaseKind kind) {
        return kind == PhaseKind.BATCHED_WRITE || kind.isSnapshot() ? "rows/s" : "changes/s";
    }

    private static String ratioLine(String name, OptionalDouble ratio, double target) {
        return String.format(Locale.ROOT, "%-42s %6s   target >= %.1f   %s%n", name,
                ratio.isPresent() ? String.format(Locale.ROOT, "%.2f", ratio.getAsDouble()) : "n/a", target,
                verdict(ratio, target));
    }

    private static String ratioRow(String name, OptionalDouble ratio, double target) {
        return String.format(Locale.ROOT, "| `%s` | %s | ≥ %.1f | %s |%n", name,
                ratio.isPresent() ? String.format(Locale.ROOT, "%.2f", ratio.getAsDouble()) : "n/a", target,
                verdict(ratio, target));
    }

    private static String verdict(OptionalDouble ratio, double target) {
        if (ratio.isEmpty()) {
            return "not measured";
        }
        return ratio.getAsDouble() >= target ? "met" : "NOT met";
    }

    static String number(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Flink's generated names can be long: keep the first 100 characters. */
    private static String shorten(String name) {
        String flat = name.replaceAll("\\s+", " ").trim();
        return flat.length() <= 100 ? flat : flat.substring(0, 97) + "...";
    }
}
