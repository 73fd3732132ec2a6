package io.tidemark.bench.report;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.BenchSettings.PhaseKind;
import io.tidemark.bench.phase.PhaseResult;
import io.tidemark.bench.workload.ChangeMix;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RatesChartTest {

    private static final String SVG = "http://www.w3.org/2000/svg";
    private static final BenchSettings SETTINGS = new BenchSettings(1000, 10, 8096, 100, ChangeMix.parse("50/40/10"), 1,
            Duration.ofSeconds(10), 3, 42, 5000, 0, Duration.ofMinutes(1), EnumSet.allOf(PhaseKind.class));
    private static final MachineInfo MACHINE = new MachineInfo(Instant.parse("2026-01-01T00:00:00Z"), 2, "8.0 GiB",
            "AMD EPYC <7B13> & co", "java 17", "16.4", "6.2.6", "1.20.5", "0.10 0.10 0.10", "0.20 0.20 0.20");

    @Test
    void drawsOneBarPerPhaseWithLengthsProportionalToTheRates() throws Exception {
        Map<PhaseKind, Double> rates = new EnumMap<>(PhaseKind.class);
        rates.put(PhaseKind.DECODING, 120_000.0);
        rates.put(PhaseKind.BATCHED_WRITE, 90_000.0);
        rates.put(PhaseKind.TIDEMARK, 60_000.0);
        rates.put(PhaseKind.PLAIN_SQL, 30_000.0);
        rates.put(PhaseKind.TIDEMARK_REDIS, 33_000.0);
        rates.put(PhaseKind.REDIS_EVALSHA, 110_000.0);
        rates.put(PhaseKind.TIDEMARK_SNAPSHOT, 150_000.0);
        rates.put(PhaseKind.PLAIN_SQL_SNAPSHOT, 40_000.0);
        Document svg = parse(RatesChart.svg(report(rates, "bench/run.sh --phases a,b")));

        Map<String, Double> widths = new HashMap<>();
        NodeList rects = svg.getElementsByTagNameNS(SVG, "rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element rect = (Element) rects.item(i);
            if (rect.getAttribute("class").equals("bar")) {
                assertThat(widths.put(rect.getAttribute("data-phase"), Double.parseDouble(rect.getAttribute("width"))))
                        .as("one bar for %s", rect.getAttribute("data-phase")).isNull();
                assertThat(rect.getAttribute("x")).isEqualTo(Integer.toString(RatesChart.BAR_LEFT));
            }
        }
        assertThat(widths.keySet()).containsExactlyInAnyOrderElementsOf(
                rates.keySet().stream().map(PhaseKind::key).toList());
        double perRate = widths.get("tidemark") / 60_000.0;
        rates.forEach((kind, rate) -> assertThat(widths.get(kind.key())).as(kind.key()).isCloseTo(rate * perRate,
                within(0.02)));
        // the longest bar ends on the axis' last tick, which is at most one step (of 20,000 here) further
        assertThat(widths.get("tidemark-snapshot")).isCloseTo(RatesChart.BAR_SPAN * 150_000 / 160_000.0, within(0.01));
        assertThat(texts(svg, "tick")).startsWith("0", "20,000", "40,000").endsWith("160,000");
    }

    @Test
    void printsTheRatioOfEachPairThatRanBesideItWithItsTarget() throws Exception {
        Map<PhaseKind, Double> rates = new EnumMap<>(PhaseKind.class);
        rates.put(PhaseKind.TIDEMARK, 60_000.0);
        rates.put(PhaseKind.PLAIN_SQL, 30_000.0);
        rates.put(PhaseKind.DECODING, 120_000.0);
        rates.put(PhaseKind.BATCHED_WRITE, 80_000.0);
        rates.put(PhaseKind.TIDEMARK_CHECKPOINTS_1S, 57_000.0);
        rates.put(PhaseKind.TIDEMARK_REDIS, 33_000.0);
        rates.put(PhaseKind.REDIS_EVALSHA, 110_000.0);
        rates.put(PhaseKind.TIDEMARK_REDIS_AOF, 24_750.0);
        rates.put(PhaseKind.TIDEMARK_MARIADB, 40_000.0);
        Document svg = parse(RatesChart.svg(report(rates, "bench/run.sh")));

        assertThat(texts(svg, "ratio")).containsExactly(
                "tidemark / plain-sql= 2.00 (target ≥ 2.0: met)",
                "tidemark / min(decoding, batched-write)= 0.75 (target ≥ 0.6: met)",
                "tidemark-checkpoints-1s / tidemark= 0.95",
                "tidemark-redis / redis-evalsha= 0.30 (target ≥ 0.5: NOT met)",
                "tidemark-redis-aof / tidemark-redis= 0.75");
        assertThat(texts(svg, "group")).containsExactly("PostgreSQL to PostgreSQL, streaming",
                "PostgreSQL to Redis, streaming", "MariaDB to PostgreSQL, streaming");
        NodeList groups = svg.getElementsByTagNameNS(SVG, "g");
        assertThat(groups.getLength()).isEqualTo(5);
        assertThat(Double.parseDouble(((Element) groups.item(3)).getAttribute("data-value"))).isCloseTo(0.3, within(1e-4));
    }

    @Test
    void namesTheRunAndEscapesItsTextTheSameWayEveryTime() throws Exception {
        Map<PhaseKind, Double> rates = Map.of(PhaseKind.TIDEMARK, 62_392.0, PhaseKind.BATCHED_WRITE, 95_000.0);
        String command = "bench/run.sh --changes 1000000 --write-docs \"docs/a&b<c>.md\"";
        String text = RatesChart.svg(report(rates, command));
        Document svg = parse(text);

        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(texts(svg, "title")).containsExactly("Tidemark bench: median rate of each phase");
        assertThat(texts(svg, "subtitle").get(0)).contains("2026-01-01T00:00:00Z", "2 cores", "AMD EPYC <7B13> & co",
                "N = 1,000 changes", "3 runs per phase");
        assertThat(texts(svg, "command")).containsExactly(command);
        String longCommand = "bench/run.sh --phases " + "tidemark,plain-sql,".repeat(20) + "decoding --write-docs docs/x.md";
        List<String> lines = texts(parse(RatesChart.svg(report(rates, longCommand))), "command");
        assertThat(lines).hasSize(3).allMatch(line -> line.length() <= 160);
        assertThat(String.join("", lines)).isEqualTo(longCommand);
        assertThat(texts(svg, "value")).containsExactly("62,392 changes/s", "95,000 rows/s");
        assertThat(texts(svg, "ratio")).containsExactly("tidemark / batched-write= 0.66");
        assertThat(text).isEqualTo(RatesChart.svg(report(rates, command)));
    }

    @Test
    void putsEveryPhaseInExactlyOneGroup() {
        List<PhaseKind> grouped = new ArrayList<>();
        RatesChart.GROUPS.forEach(group -> grouped.addAll(group.phases()));

        assertThat(grouped).containsExactlyInAnyOrder(PhaseKind.values());
        RatesChart.GROUPS.forEach(group -> group.ratios().forEach(ratio -> {
            assertThat(group.phases()).contains(ratio.measured());
            assertThat(group.phases()).containsAll(ratio.bases());
        }));
    }

    @Test
    void picksNiceTickSteps() {
        assertThat(RatesChart.niceStep(12_400)).isEqualTo(20_000);
        assertThat(RatesChart.niceStep(30_000)).isEqualTo(50_000);
        assertThat(RatesChart.niceStep(50_001)).isEqualTo(100_000);
        assertThat(RatesChart.niceStep(0.2)).isEqualTo(0.2, within(1e-12));
        assertThat(RatesChart.wrap("a b,c", 3)).containsExactly("a ", "b,c");
        assertThat(RatesChart.wrap("ab cd,ef", 5)).containsExactly("ab ", "cd,ef");
        assertThat(RatesChart.wrap("abcdefg", 3)).containsExactly("abc", "def", "g");
        assertThat(RatesChart.escape("a<b>&\"c'")).isEqualTo("a&lt;b&gt;&amp;&quot;c&apos;");
    }

    private static BenchReport report(Map<PhaseKind, Double> rates, String command) {
        Map<PhaseKind, List<PhaseResult>> results = new EnumMap<>(PhaseKind.class);
        rates.forEach((kind, rate) -> results.put(kind,
                List.of(new PhaseResult(kind.key(), 1000, 1000 / rate, 0, 1, 1, 0, 0, List.of()))));
        return new BenchReport(SETTINGS, MACHINE, command, results);
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text of every {@code text} element of the given class, in document order. */
    private static List<String> texts(Document svg, String cssClass) {
        List<String> texts = new ArrayList<>();
        NodeList nodes = svg.getElementsByTagNameNS(SVG, "text");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element text = (Element) nodes.item(i);
            if (text.getAttribute("class").equals(cssClass)) {
                texts.add(text.getTextContent());
            }
        }
        return texts;
    }
}
