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
 * The results of a run: the median rate of each phase, the two ratios the bench exists for, and
 * where the jobs spent their time; as plain text for the terminal and as Markdown for
 * {@code docs/benchmarks.md}.
 */
public final class BenchReport {

    /** {@code tidemark / plain_sql} should reach this. */
    public static final double PLAIN_SQL_TARGET = 2.0;
    /** {@code tidemark / min(decoding, batched_write)} should reach this. */
    public static final double CEILING_TARGET = 0.6;

    private final BenchSettings settings;
    private final MachineInfo machine;
    private final String command;
    private final Map<PhaseKind, List<PhaseResult>> results;

    public BenchReport(BenchSettings settings, MachineInfo machine, String command,
            Map<PhaseKind, List<PhaseResult>> results) {
        this.settings = settings;
        this.machine = machine;
        this.command = command;
        this.results = new EnumMap<>(PhaseKind.class);
        results.forEach((kind, runs) -> this.results.put(kind, List.copyOf(runs)));
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
        OptionalDouble tidemark = rate(PhaseKind.TIDEMARK);
        OptionalDouble plain = rate(PhaseKind.PLAIN_SQL);
        return tidemark.isPresent() && plain.isPresent()
                ? OptionalDouble.of(tidemark.getAsDouble() / plain.getAsDouble())
                : OptionalDouble.empty();
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
        out.append(String.format(Locale.ROOT, "Tidemark bench, %s: %d cores, %s, %s, PostgreSQL %s, Flink %s%n",
                machine.date(), machine.cores(), machine.memory(), machine.javaVersion(), machine.postgresVersion(),
                machine.flinkVersion()));
        out.append(workload()).append("\n\n");
        out.append(String.format(Locale.ROOT, "load average (1, 5, 15 min): %s at start, %s at end%n%n",
                machine.loadAtStart(), machine.loadAtEnd()));
        out.append(String.format(Locale.ROOT, "%-14s %20s %10s %10s %10s %10s %10s   %s%n",
                "phase", "median rate", "window", "startup", "JVM cores", "PG cores", "other", "rates of all runs"));
        for (PhaseKind kind : PhaseKind.values()) {
            if (!results.containsKey(kind)) {
                continue;
            }
            PhaseResult median = medianRun(kind);
            out.append(String.format(Locale.ROOT, "%-14s %20s %8.2f s %10s %10.2f %10.2f %10.2f   %s%n",
                    kind.key(), number(rate(kind).getAsDouble()) + " " + unit(kind), median.seconds(),
                    median.startupSeconds() > 0 ? String.format(Locale.ROOT, "%.2f s", median.startupSeconds()) : "-",
                    median.jvmCores(), median.postgresCores(), median.otherCores(), allRates(kind)));
        }
        out.append('\n');
        out.append(ratioLine("tidemark / plain_sql", plainSqlRatio(), PLAIN_SQL_TARGET));
        out.append(ratioLine("tidemark / min(decoding, batched_write)", ceilingRatio(), CEILING_TARGET));
        sourceOrderRatio().ifPresent(r -> out.append(String.format(Locale.ROOT, "%-40s %6.2f%n",
                "tidemark-source-order / tidemark", r)));
        for (PhaseKind kind : List.of(PhaseKind.TIDEMARK, PhaseKind.PLAIN_SQL)) {
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
        StringBuilder md = new StringBuilder();
        md.append("### Run of ").append(machine.date()).append("\n\n");
        md.append("- Command: `").append(command).append("`\n");
        md.append("- Machine: ").append(machine.cores()).append(" cores (`nproc`), ").append(machine.memory())
                .append(" memory, ").append(machine.cpuModel()).append('\n');
        md.append("- Software: ").append(machine.javaVersion()).append(", PostgreSQL ")
                .append(machine.postgresVersion()).append(" (embedded, one server for every phase), Flink ")
                .append(machine.flinkVersion()).append(" MiniCluster\n");
        md.append("- Workload: ").append(workload()).append('\n');
        md.append("- Load average (1, 5, 15 min): ").append(machine.loadAtStart()).append(" at start, ")
                .append(machine.loadAtEnd()).append(" at end\n\n");
        md.append("| phase | median rate | window | startup (not in window) | JVM cores | PostgreSQL cores"
                + " | other processes' cores | all runs |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (PhaseKind kind : PhaseKind.values()) {
            if (!results.containsKey(kind)) {
                continue;
            }
            PhaseResult median = medianRun(kind);
            md.append(String.format(Locale.ROOT, "| %s | %s %s | %.2f s | %s | %.2f | %.2f | %.2f | %s |%n",
                    kind.key(), number(rate(kind).getAsDouble()), unit(kind), median.seconds(),
                    median.startupSeconds() > 0 ? String.format(Locale.ROOT, "%.2f s", median.startupSeconds()) : "-",
                    median.jvmCores(), median.postgresCores(), median.otherCores(), allRates(kind)));
        }
        md.append("\n| ratio | value | target | |\n|---|---:|---:|---|\n");
        md.append(ratioRow("tidemark / plain_sql", plainSqlRatio(), PLAIN_SQL_TARGET));
        md.append(ratioRow("tidemark / min(decoding, batched_write)", ceilingRatio(), CEILING_TARGET));
        sourceOrderRatio().ifPresent(r -> md.append(String.format(Locale.ROOT,
                "| tidemark-source-order / tidemark | %.2f | — | the cost of apply-order: source |%n", r)));
        for (PhaseKind kind : List.of(PhaseKind.TIDEMARK, PhaseKind.PLAIN_SQL)) {
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

    /** {@code apply-order: source} against the default, where both ran. */
    OptionalDouble sourceOrderRatio() {
        OptionalDouble ordered = rate(PhaseKind.TIDEMARK_SOURCE_ORDER);
        OptionalDouble keyed = rate(PhaseKind.TIDEMARK);
        return ordered.isPresent() && keyed.isPresent()
                ? OptionalDouble.of(ordered.getAsDouble() / keyed.getAsDouble())
                : OptionalDouble.empty();
    }

    private String workload() {
        return String.format(Locale.ROOT,
                "N = %s changes (insert/update/delete %s, %d per transaction) after a %s-row snapshot,"
                        + " parallelism %d, checkpoints every %d s, %d run%s per phase (median), warm-up %s changes"
                        + " per job, seed %d",
                number(settings.changes()), settings.mix(), settings.transactionSize(), number(settings.snapshotRows()),
                settings.parallelism(), settings.checkpointInterval().toSeconds(), settings.repeat(),
                settings.repeat() == 1 ? "" : "s", number(settings.warmupChanges()), settings.seed());
    }

    private String allRates(PhaseKind kind) {
        List<String> rates = new ArrayList<>();
        for (PhaseResult run : results.get(kind)) {
            rates.add(number(run.rate()));
        }
        return String.join(", ", rates);
    }

    private static String unit(PhaseKind kind) {
        return kind == PhaseKind.BATCHED_WRITE ? "rows/s" : "changes/s";
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

    private static String number(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Flink's generated names can be long: keep the first 100 characters. */
    private static String shorten(String name) {
        String flat = name.replaceAll("\\s+", " ").trim();
        return flat.length() <= 100 ? flat : flat.substring(0, 97) + "...";
    }
}
