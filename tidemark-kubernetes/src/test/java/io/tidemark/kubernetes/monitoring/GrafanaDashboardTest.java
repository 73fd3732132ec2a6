package io.tidemark.kubernetes.monitoring;

import io.tidemark.kubernetes.monitoring.MonitoringQueries.AlertRule;
import io.tidemark.kubernetes.monitoring.MonitoringQueries.DashboardQuery;
import io.tidemark.kubernetes.testing.ExternalTool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code deploy/grafana/tidemark.json} is a dashboard Grafana can provision as it is: a model with a
 * uid and laid-out panels, every query on the {@code ${datasource}} Prometheus variable and filtered by
 * the {@code job_name} variable, rates over {@code $__rate_interval}, valid PromQL (promtool parses
 * them), and a panel for every metric an alert watches.
 */
class GrafanaDashboardTest {

    private static final JsonNode DATASOURCE = JsonNodeFactory.instance.objectNode()
            .put("type", "prometheus").put("uid", "${datasource}");
    private static final String JOB_FILTER = "job_name=~\"$job_name\"";
    /** A metric name with its label matchers, if any. */
    private static final Pattern METRIC_SELECTOR = Pattern.compile("\\b(flink_[a-zA-Z0-9_]+)(\\{[^}]*})?");
    /** The range of a rate() or increase(): the text between its brackets. */
    private static final Pattern RATE_RANGE = Pattern.compile("\\b(?:rate|increase)\\([^\\[]*\\[([^\\]]+)]");
    private static final int GRID_WIDTH = 24;

    private final JsonNode dashboard = MonitoringQueries.dashboard();

    @Test
    void theDashboardIsAProvisionableModel() {
        assertThat(dashboard.path("uid").asText()).isEqualTo("tidemark");
        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("schemaVersion").isInt()).isTrue();
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        // exported "for sharing" dashboards need their inputs filled in by hand; this one must not
        assertThat(dashboard.has("__inputs")).isFalse();

        JsonNode panels = dashboard.path("panels");
        assertThat(panels.isArray() && !panels.isEmpty()).isTrue();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(title).isNotBlank();
            assertThat(panel.path("type").asText()).as(title).isIn("timeseries", "stat", "row");
            assertThat(panel.path("id").isInt()).as(title).isTrue();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id of %s", title).isTrue();
            JsonNode grid = panel.path("gridPos");
            for (String field : List.of("x", "y", "w", "h")) {
                assertThat(grid.path(field).isInt()).as("%s gridPos.%s", title, field).isTrue();
            }
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(title).isLessThanOrEqualTo(GRID_WIDTH);
        }
    }

    @Test
    void everyPanelAndQueryUsesTheDatasourceVariable() {
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertThat(panel.path("datasource")).as(title).isEqualTo(DATASOURCE);
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("targets").isEmpty()).as("%s has queries", title).isFalse();
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource")).as(title).isEqualTo(DATASOURCE);
                assertThat(target.path("expr").asText()).as(title).isNotBlank();
                assertThat(target.path("refId").asText()).as(title).isNotBlank();
                assertThat(refIds.add(target.path("refId").asText())).as("unique refId in %s", title).isTrue();
            }
        }
    }

    @Test
    void theTemplatingHasTheDatasourceAndJobNameVariables() {
        JsonNode datasource = variable("datasource");
        assertThat(datasource.path("type").asText()).isEqualTo("datasource");
        assertThat(datasource.path("query").asText()).isEqualTo("prometheus");

        JsonNode jobName = variable("job_name");
        assertThat(jobName.path("type").asText()).isEqualTo("query");
        assertThat(jobName.path("datasource")).isEqualTo(DATASOURCE);
        assertThat(jobName.path("query").asText()).isEqualTo("label_values(flink_jobmanager_job_uptime, job_name)");
    }

    @Test
    void everyMetricOfEveryQueryIsFilteredByTheJobName() {
        assertThat(MonitoringQueries.dashboardQueries()).allSatisfy(query -> {
            Matcher selector = METRIC_SELECTOR.matcher(query.expr());
            int metrics = 0;
            while (selector.find()) {
                metrics++;
                assertThat(selector.group(2)).as("%s: %s", query.panelTitle(), selector.group()).contains(JOB_FILTER);
            }
            assertThat(metrics).as(query.panelTitle()).isPositive();
        });
    }

    @Test
    void ratesUseTheRateIntervalVariable() {
        assertThat(MonitoringQueries.dashboardQueries()).allSatisfy(query -> {
            Matcher range = RATE_RANGE.matcher(query.expr());
            while (range.find()) {
                assertThat(range.group(1)).as(query.panelTitle()).isEqualTo(MonitoringQueries.RATE_INTERVAL_VARIABLE);
            }
        });
    }

    @Test
    void theQueriesForOneJobAreValidPromQl(@TempDir Path dir) throws IOException {
        List<DashboardQuery> queries = MonitoringQueries.dashboardQueries("orders-to-warehouse", Duration.ofSeconds(30));

        assertThat(queries).allSatisfy(q -> {
            assertThat(q.expr()).as(q.panelTitle()).doesNotContain("$").contains("job_name=~\"orders_to_warehouse\"");
        });
        assertThat(queries).anySatisfy(q -> assertThat(q.expr()).contains("[30s]"));
        // promtool has no offline query parser, but it parses a recording rule's expression
        ObjectNode rules = JsonNodeFactory.instance.objectNode();
        var recordings = rules.putArray("groups").addObject().put("name", "tidemark-dashboard").putArray("rules");
        for (DashboardQuery query : queries) {
            recordings.addObject().put("record", "tidemark:dashboard:panel" + query.panelId() + "_" + query.refId()).put("expr", query.expr());
        }
        Path file = dir.resolve("dashboard-queries.yaml");
        new YAMLMapper().writeValue(file.toFile(), rules);

        ExternalTool.promtool().succeed(dir, "check", "rules", file.getFileName().toString());
    }

    @Test
    void everyMetricAnAlertWatchesIsCharted() {
        Set<String> charted = metrics(MonitoringQueries.dashboardQueries().stream().map(DashboardQuery::expr).toList());
        charted.addAll(metrics(List.of(variable("job_name").path("query").asText())));

        Set<String> alerted = metrics(MonitoringQueries.alertRules().stream().map(AlertRule::expr).toList());

        assertThat(charted).containsAll(alerted);
    }

    private JsonNode variable(String name) {
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("name").asText().equals(name)) {
                return variable;
            }
        }
        throw new AssertionError("no templating variable " + name);
    }

    private static Set<String> metrics(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions) {
            Matcher selector = METRIC_SELECTOR.matcher(expr);
            while (selector.find()) {
                names.add(selector.group(1));
            }
        }
        return names;
    }
}
