package io.tidemark.kubernetes.monitoring;

import io.tidemark.kubernetes.monitoring.MonitoringQueries.AlertRule;
import io.tidemark.kubernetes.monitoring.MonitoringQueries.Comparison;
import io.tidemark.kubernetes.testing.ExternalTool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The alert rules in {@code deploy/prometheus}: promtool accepts them and their unit tests pass (both
 * run as processes), every alert is tested firing and not firing, carries a severity, a summary, a
 * description and a runbook that exists, and keeps its threshold where {@link MonitoringQueries} can
 * replace it.
 */
class AlertRulesTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void promtoolAcceptsTheRules() {
        String output = ExternalTool.promtool().succeed(MonitoringQueries.rulesFile().getParent(),
                "check", "rules", MonitoringQueries.rulesFile().getFileName().toString());

        assertThat(output).contains("SUCCESS: " + MonitoringQueries.alertRules().size() + " rules found");
    }

    @Test
    void theRulesUnitTestsPass() {
        // promtool reads the test file's rule_files relative to the test file
        ExternalTool.Result result = ExternalTool.promtool().run(MonitoringQueries.rulesTestFile().getParent(),
                "test", "rules", MonitoringQueries.rulesTestFile().getFileName().toString());

        assertThat(result.exitCode()).as("promtool test rules:%n%s", result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertIsTestedFiringAndNotFiring() throws IOException {
        Set<String> alerts = new HashSet<>();
        MonitoringQueries.alertRules().forEach(r -> alerts.add(r.name()));
        Set<String> firing = new HashSet<>();
        Set<String> silent = new HashSet<>();

        JsonNode tests = YAML.readTree(MonitoringQueries.rulesTestFile().toFile());
        assertThat(tests.path("rule_files")).extracting(JsonNode::asText)
                .containsExactly(MonitoringQueries.rulesFile().getFileName().toString());
        for (JsonNode group : tests.path("tests")) {
            for (JsonNode test : group.path("alert_rule_test")) {
                String alert = test.path("alertname").asText();
                assertThat(alerts).as("the alert a test case names (%s)", group.path("name").asText()).contains(alert);
                (test.path("exp_alerts").isEmpty() ? silent : firing).add(alert);
            }
        }

        assertThat(firing).as("alerts with a test case where they fire").containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(silent).as("alerts with a test case where they must not fire").containsExactlyInAnyOrderElementsOf(alerts);
    }

    @Test
    void everyAlertHasASeverityASummaryADescriptionAndARunbookThatExists() {
        List<AlertRule> rules = MonitoringQueries.alertRules();
        assertThat(rules).extracting(AlertRule::name).doesNotHaveDuplicates().allMatch(name -> name.startsWith("Tidemark"));

        assertThat(rules).allSatisfy(rule -> {
            assertThat(rule.labels().get("severity")).as(rule.name()).isIn("warning", "critical");
            assertThat(rule.annotations().get("summary")).as(rule.name()).isNotBlank();
            String runbook = rule.annotations().get("runbook");
            assertThat(runbook).as(rule.name()).startsWith("docs/runbooks/").endsWith(".md");
            assertThat(MonitoringQueries.repositoryRoot().resolve(runbook)).as(rule.name()).isRegularFile();
            assertThat(rule.annotations().get("description")).as(rule.name()).contains(runbook);
        });
    }

    @Test
    void everyExpressionComparesItsValueWithAPlainNumber() {
        assertThat(MonitoringQueries.alertRules()).allSatisfy(rule -> {
            Comparison comparison = rule.comparison();
            assertThat(comparison.threshold()).as(rule.name()).matches("-?\\d+(\\.\\d+)?");
            assertThat(comparison.value()).as(rule.name()).doesNotContain(" and ");
        });
    }

    @Test
    void aThresholdIsReplacedAloneAndTheGuardStays() {
        AlertRule lag = MonitoringQueries.alertRule("TidemarkEndToEndLagHigh");
        AlertRule noCheckpoint = MonitoringQueries.alertRule("TidemarkNoCheckpointCompleted");

        assertThat(lag.withThreshold("1").expr())
                .isEqualTo("max by (job_name, sink, table) (flink_taskmanager_job_task_operator_sink_table_tidemarkLagMs) > 1");
        assertThat(noCheckpoint.comparison().threshold()).isEqualTo("1");
        assertThat(noCheckpoint.withThreshold("5").expr())
                .isEqualTo("increase(flink_jobmanager_job_numberOfCompletedCheckpoints[3m]) < 5"
                        + " and on(job_id) flink_jobmanager_job_uptime > 180000");
        assertThatThrownBy(() -> lag.withThreshold("1024^3")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRulesFileWithALoweredThresholdIsStillValid(@TempDir Path dir) throws IOException {
        Path rules = dir.resolve("lowered.yaml");
        Files.writeString(rules, MonitoringQueries.rulesWithThreshold("TidemarkSourceRetentionHigh", "1"));

        ExternalTool.promtool().succeed(dir, "check", "rules", rules.getFileName().toString());
        JsonNode lowered = YAML.readTree(rules.toFile());
        List<String> expressions = lowered.findValues("expr").stream().map(JsonNode::asText).toList();
        assertThat(expressions).contains(
                "max by (job_name, source) (flink_taskmanager_job_task_operator_source_tidemarkSourceRetainedBytes) > 1");
        // every other rule as it was
        assertThat(expressions).hasSize(MonitoringQueries.alertRules().size())
                .containsAll(MonitoringQueries.alertRules().stream()
                        .filter(r -> !r.name().equals("TidemarkSourceRetentionHigh")).map(AlertRule::expr).toList());
    }
}
