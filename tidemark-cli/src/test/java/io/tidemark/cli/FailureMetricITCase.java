package io.tidemark.cli;

import io.tidemark.cli.monitoring.MetricsScrape;
import io.tidemark.cli.monitoring.PrometheusServer;
import io.tidemark.failure.FailureCause;
import io.tidemark.failure.TidemarkFailureEnricher;
import io.tidemark.failure.TidemarkFailureEnricherFactory;
import io.tidemark.kubernetes.monitoring.MonitoringQueries;
import io.tidemark.kubernetes.monitoring.MonitoringQueries.AlertRule;
import io.tidemark.kubernetes.monitoring.MonitoringQueries.DashboardQuery;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tidemark's failure enricher on a real cluster: {@code tidemark cluster start} (JobManager and
 * TaskManager processes, the plugins directory the build fills, Flink's Prometheus reporter), a
 * pipeline submitted with {@code tidemark run --rest-address}, its sink table dropped while it runs,
 * so that every restart fails the same way. The job's JobManager metrics count the failures and the
 * streak of the same cause (REST {@code /jobs/:id/metrics}, and Prometheus
 * {@code flink_jobmanager_job_tidemarkSameCauseFailures{job_id, job_name}}); each failure in the
 * exception history carries the cause and its count as labels, the cause exactly as the CLI reads it
 * from the same entry; a real Prometheus server with the shipped rules fires
 * {@code TidemarkJobFailingWithSameCause}, and the dashboard's query for the streak returns it.
 */
class FailureMetricITCase extends SessionClusterTestBase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path ENRICHER_PLUGIN = ROOT.resolve("tidemark-cli/target/plugins/tidemark-failure-enricher");
    private static final String MISSING_TABLE = "PSQLException: ERROR: relation \"public.orders\" does not exist";

    @Test
    void aJobFailingForTheSameCauseIsCountedInItsMetricsLabelledInItsHistoryAndAlertedOn() throws Exception {
        OrdersPipeline pipeline = OrdersPipeline.create(postgres, dir, "failing", 1);
        clusterDir = dir.resolve("cluster");
        int port = PrometheusServer.freePort();
        String rest = "http://127.0.0.1:" + port;
        List<Integer> reporterPorts = List.of(PrometheusServer.freePort(), PrometheusServer.freePort());

        ShellRun started = ShellRun.tidemark(Map.of("FLINK_PLUGINS_DIR", pluginsWithPrometheus().toString()),
                "cluster", "start", "--port", Integer.toString(port), "--dir", clusterDir.toString(),
                "-D", "metrics.reporter.prom.factory.class=" + PrometheusReporterFactory.class.getName(),
                "-D", "metrics.reporter.prom.port=" + reporterPorts.get(0) + "," + reporterPorts.get(1),
                "-D", "web.exception-history-size=100");
        assertThat(started.exitCode()).as(started.toString()).isZero();
        assertThat(Files.readAllLines(clusterDir.resolve("log/jobmanager.log")).stream()
                        .filter(line -> line.contains("failure enricher")).toList())
                .as("the JobManager loaded the enricher, from the plugin the build made")
                .anySatisfy(line -> assertThat(line)
                        // Flink names the factory of the enricher it kept
                        .contains("Found failure enricher " + TidemarkFailureEnricherFactory.class.getName() + " at ")
                        .endsWith("/plugins/tidemark-failure-enricher/tidemark-failure-enricher.jar."));

        pipeline.insert(50);
        ShellRun run = ShellRun.tidemark(Map.of(), "run", "--rest-address", rest, pipeline.file().toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        String job = run.out().strip();
        pipeline.awaitSinkEqualsSource();
        FlinkRestReader flink = new FlinkRestReader(URI.create(rest + "/"));
        assertThat(flink.json("jobs/" + job + "/metrics")).as("no failure yet: no failure metrics yet")
                .extracting(m -> m.path("id").asText()).doesNotContain(TidemarkFailureEnricher.FAILURES);

        Instant dropped = Instant.now();
        pipeline.sql(pipeline.sinkDb(), "DROP TABLE orders");
        pipeline.updateAndDelete(1, 10);

        // REST: the job's JobManager metrics (the Web UI's, refreshed every 10 s)
        String metrics = "jobs/" + job + "/metrics?get=" + String.join(",", TidemarkFailureEnricher.FAILURES,
                TidemarkFailureEnricher.SAME_CAUSE_FAILURES, TidemarkFailureEnricher.LAST_FAILURE_TIMESTAMP);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(values(flink.json(metrics)).get(TidemarkFailureEnricher.SAME_CAUSE_FAILURES))
                        .as("failures in a row with the same cause").isGreaterThanOrEqualTo(3));
        Map<String, Long> values = values(flink.json(metrics));
        assertThat(values.get(TidemarkFailureEnricher.FAILURES)).isGreaterThanOrEqualTo(values.get(TidemarkFailureEnricher.SAME_CAUSE_FAILURES));
        assertThat(Instant.ofEpochMilli(values.get(TidemarkFailureEnricher.LAST_FAILURE_TIMESTAMP)))
                .isBetween(dropped, Instant.now());

        // the exception history: every failure labelled with the cause the CLI reads from the same entry, counted
        List<JsonNode> failures = new ArrayList<>();
        flink.json("jobs/" + job + "/exceptions?maxExceptions=100").path("exceptionHistory").path("entries").forEach(failures::add);
        failures.sort(Comparator.comparingLong(f -> f.path("timestamp").asLong()));
        assertThat(failures).hasSizeGreaterThanOrEqualTo(3).allSatisfy(failure -> {
            JsonNode labels = failure.path("failureLabels");
            String asTheCliReadsIt = FailureCause.key(FailureCause.ofStackTrace(failure.path("exceptionName").asText(),
                    failure.path("stacktrace").asText()));
            assertThat(labels.path(TidemarkFailureEnricher.CAUSE_LABEL).asText()).as(failure.toString())
                    .isEqualTo(MISSING_TABLE).isEqualTo(asTheCliReadsIt);
        });
        List<Integer> counts = failures.stream()
                .map(f -> Integer.parseInt(f.path("failureLabels").path(TidemarkFailureEnricher.SAME_CAUSE_COUNT_LABEL).asText()))
                .toList();
        assertThat(counts).as("one more in a row with each failure").startsWith(1, 2, 3);
        for (int i = 1; i < counts.size(); i++) {
            assertThat(counts.get(i)).as("count %s of %s", i, counts).isEqualTo(counts.get(i - 1) + 1);
        }

        // Prometheus: the JobManager's reporter (whichever of the two ports the JobManager took)
        URI jobManager = jobManagerEndpoint(reporterPorts);
        MetricsScrape scrape = MetricsScrape.of(jobManager);
        assertThat(scrape.samples("flink_jobmanager_job_tidemarkSameCauseFailures")).singleElement().satisfies(sample -> {
            assertThat(sample.labels()).containsEntry("job_id", job).containsEntry("job_name", "tidemark_" + pipeline.name());
            assertThat(sample.value()).isGreaterThanOrEqualTo(3);
        });
        assertThat(scrape.names()).contains("flink_jobmanager_job_tidemarkFailures", "flink_jobmanager_job_tidemarkLastFailureTimestamp");

        // and a real Prometheus server with the shipped rules fires the alert; the dashboard's query charts the streak
        try (PrometheusServer prometheus = PrometheusServer.start(dir, jobManager.getAuthority(),
                List.of(MonitoringQueries.rulesFile()))) {
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(firing(prometheus.rules(), "TidemarkJobFailingWithSameCause")).singleElement().satisfies(alert -> {
                        assertThat(alert.path("labels").path("job_id").asText()).isEqualTo(job);
                        assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
                    }));
            DashboardQuery streak = MonitoringQueries.dashboardQueries("tidemark-" + pipeline.name(), Duration.ofSeconds(30))
                    .stream().filter(q -> q.expr().contains("tidemarkSameCauseFailures")).findFirst().orElseThrow();
            assertThat(prometheus.query(streak.expr())).as(streak.expr()).isNotEmpty();
            AlertRule rule = MonitoringQueries.alertRule("TidemarkJobFailingWithSameCause");
            assertThat(prometheus.query(rule.expr())).as(rule.expr()).isNotEmpty();
        }
    }

    /**
     * The cluster's plugins: the failure enricher's directory as the build made it (linked, so that a
     * launcher that rebuilds first still starts the cluster with the new jar) and Flink's Prometheus
     * reporter, as an image's {@code plugins/metrics-prometheus} holds it.
     */
    private Path pluginsWithPrometheus() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.createSymbolicLink(plugins.resolve("tidemark-failure-enricher"), ENRICHER_PLUGIN);
        Path prometheus = Files.createDirectories(plugins.resolve("metrics-prometheus"));
        Path reporterJar = Path.of(PrometheusReporterFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.copy(reporterJar, prometheus.resolve(reporterJar.getFileName()));
        return plugins;
    }

    /** {@code [{"id": ..., "value": ...}]} as a map of numbers. */
    private static Map<String, Long> values(JsonNode metrics) {
        Map<String, Long> values = new java.util.HashMap<>();
        metrics.forEach(m -> values.put(m.path("id").asText(), Long.parseLong(m.path("value").asText())));
        return values;
    }

    /** The reporter endpoint, of {@code ports}, that exports the JobManager's metrics. */
    private static URI jobManagerEndpoint(List<Integer> ports) throws Exception {
        for (int port : ports) {
            URI endpoint = URI.create("http://127.0.0.1:" + port + "/metrics");
            try {
                if (MetricsScrape.of(endpoint).names().stream().anyMatch(name -> name.startsWith("flink_jobmanager_"))) {
                    return endpoint;
                }
            } catch (IOException e) {
                // no reporter on this port
            }
        }
        throw new AssertionError("no JobManager metrics on ports " + ports);
    }

    /** The firing alerts of rule {@code name}, as Prometheus's {@code /api/v1/rules} lists them. */
    private static List<JsonNode> firing(JsonNode groups, String name) {
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("name").asText().equals(name)) {
                    StreamSupport.stream(rule.path("alerts").spliterator(), false)
                            .filter(alert -> alert.path("state").asText().equals("firing"))
                            .forEach(alerts::add);
                }
            }
        }
        return alerts;
    }
}
