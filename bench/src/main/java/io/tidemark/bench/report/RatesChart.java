package io.tidemark.bench.report;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.BenchSettings.PhaseKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The run's median rates as an SVG bar chart for {@code docs/benchmarks.md}: one horizontal bar per
 * phase that ran, each job grouped with its anchors (the plain Flink SQL job, the ceilings, the Redis
 * client doing the sink's writes, or the setting it is compared with), a bracket beside every pair
 * with its ratio (and target), one shared axis, and the date, machine and command of the run in the
 * title. Written by hand (no dependency), the same text for the same results.
 */
public final class RatesChart {

    /** A ratio drawn beside its bars: {@code measured / min(bases)}, with the target it should reach, if any. */
    record Ratio(PhaseKind measured, List<PhaseKind> bases, OptionalDouble target) {
        Ratio(PhaseKind measured, PhaseKind base) {
            this(measured, List.of(base), OptionalDouble.empty());
        }

        Ratio(PhaseKind measured, PhaseKind base, double target) {
            this(measured, List.of(base), OptionalDouble.of(target));
        }
    }

    /** Phases drawn together, in this order, and the ratios between them. */
    record Group(String title, List<PhaseKind> phases, List<Ratio> ratios) {}

    /** Every phase is in exactly one group. */
    static final List<Group> GROUPS = List.of(
            new Group("PostgreSQL to PostgreSQL, streaming",
                    List.of(PhaseKind.TIDEMARK, PhaseKind.PLAIN_SQL, PhaseKind.DECODING, PhaseKind.BATCHED_WRITE,
                            PhaseKind.TIDEMARK_CHECKPOINTS_1S, PhaseKind.TIDEMARK_SOURCE_ORDER),
                    List.of(new Ratio(PhaseKind.TIDEMARK, PhaseKind.PLAIN_SQL, BenchReport.PLAIN_SQL_TARGET),
                            new Ratio(PhaseKind.TIDEMARK, List.of(PhaseKind.DECODING, PhaseKind.BATCHED_WRITE),
                                    OptionalDouble.of(BenchReport.CEILING_TARGET)),
                            new Ratio(PhaseKind.TIDEMARK_CHECKPOINTS_1S, PhaseKind.TIDEMARK),
                            new Ratio(PhaseKind.TIDEMARK_SOURCE_ORDER, PhaseKind.TIDEMARK))),
            new Group("PostgreSQL to Redis, streaming",
                    List.of(PhaseKind.TIDEMARK_REDIS, PhaseKind.REDIS_EVALSHA, PhaseKind.TIDEMARK_REDIS_REPLICAS,
                            PhaseKind.TIDEMARK_REDIS_AOF),
                    List.of(new Ratio(PhaseKind.TIDEMARK_REDIS, PhaseKind.REDIS_EVALSHA,
                                    BenchReport.REDIS_ANCHOR_TARGET),
                            new Ratio(PhaseKind.TIDEMARK_REDIS_REPLICAS, PhaseKind.TIDEMARK_REDIS),
                            new Ratio(PhaseKind.TIDEMARK_REDIS_AOF, PhaseKind.TIDEMARK_REDIS))),
            new Group("MariaDB to PostgreSQL, streaming",
                    List.of(PhaseKind.TIDEMARK_MARIADB, PhaseKind.PLAIN_SQL_MARIADB),
                    List.of(new Ratio(PhaseKind.TIDEMARK_MARIADB, PhaseKind.PLAIN_SQL_MARIADB))),
            new Group("PostgreSQL to PostgreSQL, initial snapshot",
                    List.of(PhaseKind.TIDEMARK_SNAPSHOT, PhaseKind.PLAIN_SQL_SNAPSHOT),
                    List.of(new Ratio(PhaseKind.TIDEMARK_SNAPSHOT, PhaseKind.PLAIN_SQL_SNAPSHOT,
                            BenchReport.SNAPSHOT_TARGET))));

    static final int WIDTH = 1160;
    private static final int LABEL_RIGHT = 190;
    static final int BAR_LEFT = 200;
    /** The length of a bar at the axis' end. */
    static final int BAR_SPAN = 440;
    private static final int BAR_HEIGHT = 18;
    private static final int ROW = 26;
    /** Where the ratios' brackets begin at the latest: right of the longest bar's value. */
    private static final int BRACKET_LEFT = 800;
    /** A generous width of one character of a value label, to place the brackets right of it. */
    private static final double VALUE_CHARACTER = 7;
    private static final int BRACKET_STEP = 10;
    private static final int RATIO_LINE = 14;
    private static final int COMMAND_CHARACTERS = 160;

    private static final String TIDEMARK = "#2563eb";
    private static final String SETTING = "#93c5fd";
    private static final String ANCHOR = "#9ca3af";

    private RatesChart() {}

    /** The chart of {@code report}'s phases. */
    public static String svg(BenchReport report) {
        double scaleMax = 1;
        for (PhaseKind kind : PhaseKind.values()) {
            if (report.rate(kind).isPresent()) {
                scaleMax = Math.max(scaleMax, report.rate(kind).getAsDouble());
            }
        }
        double step = niceStep(scaleMax / 8);
        scaleMax = Math.ceil(scaleMax / step) * step;

        double valuesEnd = BAR_LEFT + BAR_SPAN / 2.0;
        for (PhaseKind kind : PhaseKind.values()) {
            if (report.rate(kind).isPresent()) {
                double rate = report.rate(kind).getAsDouble();
                valuesEnd = Math.max(valuesEnd, BAR_LEFT + rate / scaleMax * BAR_SPAN + 6
                        + VALUE_CHARACTER * value(kind, rate).length());
            }
        }
        int bracketLeft = (int) Math.min(BRACKET_LEFT, Math.ceil(valuesEnd) + 24);

        StringBuilder header = new StringBuilder();
        int groupsTop = header(header, report) + 26;
        StringBuilder body = new StringBuilder();
        int y = groupsTop;
        for (Group group : GROUPS) {
            y = group(body, report, group, scaleMax, bracketLeft, y);
        }
        int axisY = y + 4;
        StringBuilder grid = new StringBuilder();
        for (double tick = 0; tick <= scaleMax + step / 2; tick += step) {
            double x = BAR_LEFT + tick / scaleMax * BAR_SPAN;
            grid.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                    + " stroke=\"#e5e7eb\"/>%n", x, groupsTop - 6, x, axisY));
            body.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#374151\"/>%n",
                    x, axisY, x, axisY + 5));
            body.append(text("tick", x, axisY + 18, "middle", BenchReport.number(tick)));
        }
        body.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
                + " stroke=\"#374151\"/>%n", BAR_LEFT, axisY, BAR_LEFT + BAR_SPAN, axisY));
        body.append(text("axis-title", BAR_LEFT + BAR_SPAN / 2.0, axisY + 36, "middle",
                "median rate: changes/s (rows/s for batched-write and the snapshot phases)"));
        int height = axisY + 56;

        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"12\""
                + " fill=\"#111827\">%n", WIDTH, height, WIDTH, height));
        svg.append("<title>").append(escape("Tidemark bench, median rate per phase, run of " + report.machine().date()))
                .append("</title>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        svg.append(header).append(grid).append(body).append("</svg>\n");
        return svg.toString();
    }

    /** The title, the run, its command (wrapped) and the legend; returns the legend's bottom. */
    private static int header(StringBuilder svg, BenchReport report) {
        MachineInfo machine = report.machine();
        BenchSettings settings = report.settings();
        svg.append(text("title", 20, 30, "start", "Tidemark bench: median rate of each phase")
                .replace("<text ", "<text font-size=\"18\" font-weight=\"bold\" "));
        svg.append(text("subtitle", 20, 52, "start", String.format(Locale.ROOT,
                "Run of %s on %d cores (%s), %s memory; N = %s changes after a %s-row snapshot, %d run%s per phase",
                machine.date(), machine.cores(), machine.cpuModel(), machine.memory(),
                BenchReport.number(settings.changes()), BenchReport.number(settings.snapshotRows()),
                settings.repeat(), settings.repeat() == 1 ? "" : "s")));
        int y = 72;
        for (String line : wrap(report.command(), COMMAND_CHARACTERS)) {
            svg.append(text("command", 20, y, "start", line).replace("<text ",
                    "<text font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"11\" "));
            y += 15;
        }
        int x = 20;
        int legendTop = y + 1;
        for (String[] legend : new String[][] {{TIDEMARK, "Tidemark, as pipeline.yaml's defaults have it"},
                {SETTING, "Tidemark with another setting"}, {ANCHOR, "anchor: plain Flink SQL job or ceiling"}}) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    x, legendTop, legend[0]));
            svg.append(text("legend", x + 18, legendTop + 11, "start", legend[1]));
            x += 40 + legend[1].length() * 7;
        }
        return legendTop + 12;
    }

    /**
     * {@code text} cut into lines of at most {@code width} characters, after the last space or comma
     * that fits where there is one; the lines joined give the text back.
     */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        int from = 0;
        while (text.length() - from > width) {
            int cut = from + width;
            for (int i = from + width - 1; i > from; i--) {
                if (text.charAt(i) == ' ' || text.charAt(i) == ',') {
                    cut = i + 1;
                    break;
                }
            }
            lines.add(text.substring(from, cut));
            from = cut;
        }
        lines.add(text.substring(from));
        return lines;
    }

    /** Draws one group from {@code top} if any of its phases ran; returns where the next group starts. */
    private static int group(StringBuilder svg, BenchReport report, Group group, double scaleMax, int bracketLeft,
            int top) {
        List<PhaseKind> shown = group.phases().stream().filter(kind -> report.rate(kind).isPresent()).toList();
        if (shown.isEmpty()) {
            return top;
        }
        svg.append(text("group", 20, top + 12, "start", group.title()).replace("<text ", "<text font-weight=\"bold\" "));
        int firstRow = top + 20;
        for (int i = 0; i < shown.size(); i++) {
            PhaseKind kind = shown.get(i);
            double rate = report.rate(kind).getAsDouble();
            double width = rate / scaleMax * BAR_SPAN;
            int y = firstRow + i * ROW;
            svg.append(text("phase", LABEL_RIGHT, y + 13, "end", kind.key()));
            svg.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-phase=\"%s\" data-rate=\"%.1f\" x=\"%d\""
                            + " y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>%n",
                    escape(kind.key()), rate, BAR_LEFT, y, width, BAR_HEIGHT, color(kind),
                    escape(kind.key() + ": " + value(kind, rate))));
            svg.append(text("value", BAR_LEFT + width + 6, y + 13, "start", value(kind, rate)));
        }
        int bottom = firstRow + shown.size() * ROW;

        List<Ratio> ratios = new ArrayList<>();
        for (Ratio ratio : group.ratios()) {
            if (shown.contains(ratio.measured()) && ratio.bases().stream().anyMatch(shown::contains)) {
                ratios.add(ratio);
            }
        }
        int textLeft = bracketLeft + ratios.size() * BRACKET_STEP + 8;
        int nextTextTop = firstRow - 4;
        for (int r = 0; r < ratios.size(); r++) {
            Ratio ratio = ratios.get(r);
            List<PhaseKind> bases = ratio.bases().stream().filter(shown::contains).toList();
            List<Integer> rows = new ArrayList<>();
            rows.add(shown.indexOf(ratio.measured()));
            bases.forEach(base -> rows.add(shown.indexOf(base)));
            // the first ratio's text is the highest: its bracket is the outermost, so fewer connectors cross
            int bracketX = bracketLeft + (ratios.size() - 1 - r) * BRACKET_STEP;
            double first = center(firstRow, rows.stream().mapToInt(Integer::intValue).min().getAsInt());
            double last = center(firstRow, rows.stream().mapToInt(Integer::intValue).max().getAsInt());
            StringBuilder path = new StringBuilder(String.format(Locale.ROOT, "M%d %.1f V%.1f", bracketX, first, last));
            for (int row : rows) {
                path.append(String.format(Locale.ROOT, " M%d %.1f H%d", bracketX - 6, center(firstRow, row), bracketX));
            }
            double middle = (first + last) / 2;
            int textTop = (int) Math.max(Math.round(middle - RATIO_LINE), nextTextTop);
            double textMiddle = textTop + RATIO_LINE;
            svg.append(String.format(Locale.ROOT, "<g class=\"ratio\" data-measured=\"%s\" data-value=\"%.4f\">%n"
                            + "<path d=\"%s\" fill=\"none\" stroke=\"#4b5563\"/>%n"
                            + "<path d=\"M%d %.1f L%d %.1f\" fill=\"none\" stroke=\"#9ca3af\" stroke-dasharray=\"2 2\"/>%n",
                    escape(ratio.measured().key()), value(report, ratio.measured(), bases), path, bracketX, middle,
                    textLeft - 4, textMiddle));
            svg.append(String.format(Locale.ROOT, "<text class=\"ratio\" x=\"%d\" y=\"%d\">"
                            + "<tspan x=\"%d\">%s</tspan><tspan x=\"%d\" dy=\"%d\">%s</tspan></text>%n</g>%n",
                    textLeft, textTop + 10, textLeft, escape(name(ratio.measured(), bases)), textLeft, RATIO_LINE,
                    escape(verdict(report, ratio, bases))));
            nextTextTop = textTop + 2 * RATIO_LINE + 6;
        }
        return Math.max(bottom, nextTextTop) + 16;
    }

    private static String value(PhaseKind kind, double rate) {
        return BenchReport.number(rate) + " " + BenchReport.unit(kind);
    }

    private static double center(int firstRow, int row) {
        return firstRow + row * ROW + BAR_HEIGHT / 2.0;
    }

    private static double value(BenchReport report, PhaseKind measured, List<PhaseKind> bases) {
        double base = bases.stream().mapToDouble(kind -> report.rate(kind).getAsDouble()).min().getAsDouble();
        return report.rate(measured).getAsDouble() / base;
    }

    private static String name(PhaseKind measured, List<PhaseKind> bases) {
        List<String> keys = bases.stream().map(PhaseKind::key).toList();
        return measured.key() + " / " + (keys.size() == 1 ? keys.get(0) : "min(" + String.join(", ", keys) + ")");
    }

    /** {@code = 1.68}, and the target with its verdict where there is one (for a minimum: only over every base). */
    private static String verdict(BenchReport report, Ratio ratio, List<PhaseKind> bases) {
        double value = value(report, ratio.measured(), bases);
        String text = String.format(Locale.ROOT, "= %.2f", value);
        if (ratio.target().isEmpty() || bases.size() < ratio.bases().size()) {
            return text;
        }
        double target = ratio.target().getAsDouble();
        return text + String.format(Locale.ROOT, " (target ≥ %.1f: %s)", target, value >= target ? "met" : "NOT met");
    }

    private static String color(PhaseKind kind) {
        return switch (kind) {
            case TIDEMARK, TIDEMARK_REDIS, TIDEMARK_MARIADB, TIDEMARK_SNAPSHOT -> TIDEMARK;
            case TIDEMARK_SOURCE_ORDER, TIDEMARK_CHECKPOINTS_1S, TIDEMARK_REDIS_REPLICAS, TIDEMARK_REDIS_AOF -> SETTING;
            default -> ANCHOR;
        };
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(rough, 1e-9))));
        for (double factor : new double[] {1, 2, 5, 10}) {
            if (factor * power >= rough) {
                return factor * power;
            }
        }
        return 10 * power;
    }

    private static String text(String cssClass, double x, double y, String anchor, String content) {
        return String.format(Locale.ROOT, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>%n",
                cssClass, x, y, anchor, escape(content));
    }

    /** Text for an XML text node or a double-quoted attribute. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        out.append(' '); // not allowed in XML 1.0
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
