package io.tidemark.kubernetes.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The queries of Tidemark's Grafana dashboard ({@code deploy/grafana/tidemark.json}) and the alert
 * rules of {@code deploy/prometheus/tidemark-rules.yaml}, read from the repository, for tests that
 * check the files and for tests that run them against a real job's metrics. Only Jackson (with its
 * YAML format) is needed, so that another module's test can reuse this class as it is.
 */
public final class MonitoringQueries {

    public static final String RULES_FILE = "deploy/prometheus/tidemark-rules.yaml";
    public static final String RULES_TEST_FILE = "deploy/prometheus/tidemark-rules.test.yaml";
    public static final String DASHBOARD_FILE = "deploy/grafana/tidemark.json";

    /** The dashboard variables a query may contain, as Grafana writes them. */
    public static final String JOB_NAME_VARIABLE = "$job_name";
    public static final String RATE_INTERVAL_VARIABLE = "$__rate_interval";
    public static final String INTERVAL_VARIABLE = "$__interval";

    /**
     * An alert expression's form: {@code <value expression> <comparison> <threshold> [and|unless <guard>]},
     * the threshold a plain number. The value expression is the shortest prefix that leaves such a rest,
     * so the first comparison with a number (the guard may have its own) is the threshold.
     */
    private static final Pattern COMPARISON = Pattern.compile(
            "(?s)(?<value>.+?)\\s+(?<operator>[<>]=?|==|!=)\\s+(?<threshold>-?\\d+(?:\\.\\d+)?)(?<guard>\\s+(?:and|unless)\\s.+)?");
    private static final Pattern PLAIN_NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");
    /** What Flink's Prometheus reporter replaces with {@code _} in label values. */
    private static final Pattern INVALID_LABEL_CHARACTERS = Pattern.compile("[^a-zA-Z0-9:_]");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private MonitoringQueries() {
    }

    /** One query of one dashboard panel, as the file has it or with its variables substituted. */
    public record DashboardQuery(int panelId, String panelTitle, String refId, String expr) {
    }

    /**
     * One alerting rule of the rules file. {@code forDuration} is the rule's {@code for} ("" if none).
     */
    public record AlertRule(String group, String name, String expr, String forDuration, Map<String, String> labels,
            Map<String, String> annotations) {

        public AlertRule {
            labels = Map.copyOf(labels);
            annotations = Map.copyOf(annotations);
        }

        /** The expression split at its threshold; fails if the expression does not have the documented form. */
        public Comparison comparison() {
            Matcher matcher = COMPARISON.matcher(expr.strip());
            if (!matcher.matches()) {
                throw new IllegalStateException("alert " + name + ": the expression is not `<value> <comparison> <number>"
                        + " [and <guard>]`: " + expr);
            }
            return new Comparison(matcher.group("value"), matcher.group("operator"), matcher.group("threshold"),
                    Objects.requireNonNullElse(matcher.group("guard"), ""));
        }

        /** This rule with {@code threshold} (a plain number) in place of its own, the rest of the expression unchanged. */
        public AlertRule withThreshold(String threshold) {
            if (!PLAIN_NUMBER.matcher(threshold).matches()) {
                throw new IllegalArgumentException("not a plain number: " + threshold);
            }
            Comparison comparison = comparison();
            String changed = comparison.value() + " " + comparison.operator() + " " + threshold + comparison.guard();
            return new AlertRule(group, name, changed, forDuration, labels, annotations);
        }
    }

    /**
     * An alert expression taken apart: {@code value operator threshold guard}. The guard keeps its
     * leading whitespace and {@code and}, and is "" when there is none.
     */
    public record Comparison(String value, String operator, String threshold, String guard) {
    }

    /** The repository's root: the nearest directory at or above the working directory that holds the rules file. */
    public static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(RULES_FILE))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + RULES_FILE + " at or above " + Path.of("").toAbsolutePath());
    }

    public static Path rulesFile() {
        return repositoryRoot().resolve(RULES_FILE);
    }

    public static Path rulesTestFile() {
        return repositoryRoot().resolve(RULES_TEST_FILE);
    }

    public static Path dashboardFile() {
        return repositoryRoot().resolve(DASHBOARD_FILE);
    }

    /** The dashboard model. */
    public static JsonNode dashboard() {
        return read(JSON, dashboardFile());
    }

    /** Every query of every panel, variables left as they are. */
    public static List<DashboardQuery> dashboardQueries() {
        List<DashboardQuery> queries = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new DashboardQuery(panel.path("id").asInt(), panel.path("title").asText(),
                        target.path("refId").asText(), target.path("expr").asText()));
            }
        }
        return queries;
    }

    /**
     * Every query of every panel as Grafana would send it for one job: {@code $job_name} becomes the
     * job's name as the reporter exports it ({@link #prometheusLabelValue}), {@code $__rate_interval}
     * and {@code $__interval} become {@code interval} (for a test: a few scrape intervals).
     */
    public static List<DashboardQuery> dashboardQueries(String jobName, Duration interval) {
        String range = promQlDuration(interval);
        String job = prometheusLabelValue(jobName);
        return dashboardQueries().stream()
                .map(q -> new DashboardQuery(q.panelId(), q.panelTitle(), q.refId(), q.expr()
                        .replace(JOB_NAME_VARIABLE, job)
                        .replace(RATE_INTERVAL_VARIABLE, range)
                        .replace(INTERVAL_VARIABLE, range)))
                .toList();
    }

    /**
     * A value as Flink's Prometheus reporter exports it as a label: every character other than
     * {@code [a-zA-Z0-9:_]} becomes {@code _} (job {@code orders-to-warehouse} is {@code orders_to_warehouse},
     * table {@code public.orders} is {@code public_orders}). The result needs no escaping in a PromQL
     * string or regular expression.
     */
    public static String prometheusLabelValue(String value) {
        return INVALID_LABEL_CHARACTERS.matcher(value).replaceAll("_");
    }

    /** Every alerting rule of the rules file, in file order. */
    public static List<AlertRule> alertRules() {
        List<AlertRule> rules = new ArrayList<>();
        for (JsonNode group : read(YAML, rulesFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.hasNonNull("alert")) {
                    rules.add(new AlertRule(group.path("name").asText(), rule.path("alert").asText(),
                            rule.path("expr").asText().strip(), rule.path("for").asText(""),
                            textFields(rule.path("labels")), textFields(rule.path("annotations"))));
                }
            }
        }
        return rules;
    }

    /** The alerting rule called {@code name}. */
    public static AlertRule alertRule(String name) {
        return alertRules().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no alert " + name + " in " + RULES_FILE));
    }

    /**
     * The whole rules file (as YAML, without its comments) with one alert's threshold replaced, for a
     * Prometheus server or {@code promtool} in a test that makes the alert fire with a small value.
     */
    public static String rulesWithThreshold(String alertName, String threshold) {
        AlertRule changed = alertRule(alertName).withThreshold(threshold);
        JsonNode rules = read(YAML, rulesFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("alert").asText().equals(alertName)) {
                    ((ObjectNode) rule).put("expr", changed.expr());
                }
            }
        }
        try {
            return YAML.writeValueAsString(rules);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A duration as PromQL writes it: whole seconds, or milliseconds below a second's precision. */
    static String promQlDuration(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("not a positive duration: " + duration);
        }
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private static Map<String, String> textFields(JsonNode node) {
        Map<String, String> fields = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue().asText()));
        return fields;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
