package io.tidemark.cli.monitoring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a Prometheus endpoint in the text exposition format, as plain HTTP: the samples by
 * metric name, each with its labels and value.
 */
public final class MetricsScrape {

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final Map<String, List<Sample>> byName;

    private MetricsScrape(Map<String, List<Sample>> byName) {
        this.byName = byName;
    }

    public static MetricsScrape of(URI endpoint) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("scrape of " + endpoint + " answered " + response.statusCode());
        }
        return parse(response.body());
    }

    static MetricsScrape parse(String text) {
        Map<String, List<Sample>> byName = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                Matcher m = LABEL.matcher(line.substring(brace + 1, close));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
                rest = line.substring(close + 1).trim();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).trim();
            }
            String value = rest.split(" ")[0];
            byName.computeIfAbsent(name, n -> new ArrayList<>()).add(new Sample(name, labels, parseValue(value)));
        }
        return new MetricsScrape(byName);
    }

    private static double parseValue(String value) {
        return switch (value) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(value);
        };
    }

    public Set<String> names() {
        return new TreeSet<>(byName.keySet());
    }

    public List<Sample> samples(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** The label names any sample of {@code name} carries. */
    public Set<String> labelNames(String name) {
        Set<String> names = new TreeSet<>();
        samples(name).forEach(s -> names.addAll(s.labels().keySet()));
        return names;
    }
}
