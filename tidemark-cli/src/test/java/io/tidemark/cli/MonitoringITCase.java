package io.tidemark.cli;

import io.tidemark.cli.monitoring.MetricsScrape;
import io.tidemark.cli.monitoring.PrometheusServer;
import io.tidemark.kubernetes.monitoring.MonitoringQueries;
import io.tidemark.kubernetes.monitoring.MonitoringQueries.AlertRule;
import io.tidemark.kubernetes.monitoring.MonitoringQueries.DashboardQuery;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.TestJobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitoring Tidemark ships, against a real job: a pipeline (PostgreSQL into a PostgreSQL sink
 * and a Redis sink, with a dead-letter queue and one poison row) runs on a MiniCluster with Flink's
 * Prometheus reporter, and a real Prometheus server scrapes it with the alert rules loaded. Every
 * metric the Grafana dashboard and the alert rules name is in the scrape, with the labels their
 * queries use; every dashboard query, sent to Prometheus with the dashboard's variables filled in,
 * returns series; every alert expression evaluates, and its value part returns series (the failure
 * enricher's metrics aside: a MiniCluster does not load it, FailureMetricITCase has them). Then the
 * sink is stalled (a lock held on its table) while the source goes on writing: the slot backlog
 * metric grows and the backlog alert's expression goes true, and false again once the sink is let go.
 */
class MonitoringITCase extends PostgresTestBase {

    private static final int REPORTER_PORT = PrometheusServer.freePort();
    private static final Duration QUERY_RANGE = Duration.ofSeconds(30);
    private static final Pattern METRIC = Pattern.compile("\\b(flink_[a-zA-Z0-9_:]+)");
    private static final Pattern SELECTOR = Pattern.compile("\\b(flink_[a-zA-Z0-9_:]+)\\{([^}]*)}");
    private static final Pattern METRIC_WITH_MATCHERS = Pattern.compile("\\b(flink_[a-zA-Z0-9_:]+)(\\{[^}]*})?");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    /**
     * The metrics of Tidemark's failure enricher, which only a cluster's JobManager loads (a MiniCluster
     * does not), registered with a job's first failure: FailureMetricITCase checks them, their alert and
     * their dashboard query on a session cluster.
     */
    private static final String FAILURE_ENRICHER_METRICS = "flink_jobmanager_job_tidemark";

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusterTests.cluster(prometheusReporter());

    @RegisterExtension
    static final EmbeddedRedis.PerClass REDIS = new EmbeddedRedis.PerClass();

    @TempDir
    Path temp;

    @Test
    void dashboardAndAlertsQueryWhatTheJobExportsAndTheBacklogAlertFiresOnAStalledSink(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        String source = createDatabase("mon_src");
        String warehouse = createDatabase("mon_wh");
        String queue = createDatabase("mon_dlq");
        execute(source, "CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL)",
                "CREATE TABLE filler (id serial PRIMARY KEY, payload text)", // not captured: WAL only
                "INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, 500) g");
        // the sink refuses what the source allows: the poison row goes to the dead-letter queue
        execute(warehouse, "CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL CHECK (amount < 1000))");
        Path file = PipelineFile.postgres("monitoring", port(), source, "monitoring", List.of("public.orders"))
                .parallelism(2) // tasks with network inputs: those report checkpoint alignment
                .jdbcSink("warehouse", jdbcUrl(warehouse), "postgres", "postgres")
                .redisSink("cache", REDIS.server().uri(), "mon")
                .route("public.orders", "warehouse")
                .route("public.orders", "cache")
                .deadLetterQueue(jdbcUrl(queue))
                .write(temp, "pipeline.yaml");
        PipelineDef def = PipelineConfigLoader.load(file);
        PipelineJob job = PipelineJob.of(def);
        job.prepare();
        JobID jobId = TestJobs.submit(client, job);
        try (PrometheusServer prometheus = PrometheusServer.start(temp, "127.0.0.1:" + REPORTER_PORT,
                List.of(MonitoringQueries.rulesFile()))) {
            await().atMost(Duration.ofMinutes(1)).until(() -> count(warehouse, "SELECT count(*) FROM orders") == 500);
            execute(source, "INSERT INTO orders VALUES (501, 5000)", // poison
                    "UPDATE orders SET amount = amount + 1 WHERE id <= 100",
                    "DELETE FROM orders WHERE id > 490 AND id <= 500");
            await().atMost(Duration.ofMinutes(1)).until(() -> count(warehouse, "SELECT count(*) FROM orders") == 490);

            URI endpoint = URI.create("http://127.0.0.1:" + REPORTER_PORT + "/metrics");
            Map<String, Set<String>> wanted = wantedMetrics();
            // the queue's gauges come with its next read (every 10 s); the reporter exports a metric once registered
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(MetricsScrape.of(endpoint).names()).containsAll(wanted.keySet()));
            MetricsScrape scrape = MetricsScrape.of(endpoint);
            wanted.forEach((metric, labels) -> assertThat(scrape.labelNames(metric))
                    .as("labels of %s in the scrape, as the dashboard and the rules use them", metric)
                    .containsAll(labels));
            assertThat(scrape.samples("flink_taskmanager_job_task_operator_sink_table_tidemarkChangesApplied"))
                    .as("changes applied per sink and table")
                    .extracting(s -> s.labels().get("sink") + " " + s.labels().get("table"))
                    .contains("warehouse public_orders", "cache public_orders");
            assertThat(scrape.samples("flink_taskmanager_job_task_operator_sink_table_error_class_tidemarkDeadLettersPending"))
                    .extracting(s -> s.labels().get("sink") + " " + s.labels().get("table") + " " + s.value())
                    .contains("warehouse public_orders 1.0");
            assertThat(scrape.samples("flink_taskmanager_job_task_operator_source_tidemarkSourcePositionAvailable"))
                    .extracting(MetricsScrape.Sample::value).containsExactly(1.0);

            // Prometheus: rules loaded, every dashboard query and every alert's value returns series
            assertThat(prometheus.rules().toString()).contains("TidemarkSourceBacklogHigh");
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                List<String> empty = new ArrayList<>();
                for (DashboardQuery q : MonitoringQueries.dashboardQueries("tidemark-" + def.name(), QUERY_RANGE)) {
                    if (!q.expr().contains(FAILURE_ENRICHER_METRICS) && prometheus.query(q.expr()).isEmpty()) {
                        empty.add(q.panelTitle() + ": " + q.expr());
                    }
                }
                for (AlertRule rule : MonitoringQueries.alertRules()) {
                    prometheus.query(rule.expr()); // evaluates (it may well be empty: nothing fires)
                    // a value compared with an offset in the past has no series before the server has that past
                    String value = rule.comparison().value();
                    List<String> queries = value.contains(" offset ") ? selectors(value) : List.of(value);
                    for (String query : queries) {
                        if (!query.contains(FAILURE_ENRICHER_METRICS) && prometheus.query(query).isEmpty()) {
                            empty.add(rule.name() + ": " + query);
                        }
                    }
                }
                assertThat(empty).as("queries without series; target %s", prometheus.targetHealth()).isEmpty();
            });

            // the sink stalls while the source writes: the slot keeps the WAL, the backlog alert fires
            AlertRule backlog = rule("TidemarkSourceBacklogHigh").withThreshold("2000000");
            assertThat(prometheus.query(backlog.expr())).as("before the stall").isEmpty();
            try (Connection lock = connect(warehouse)) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    st.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
                }
                execute(source, "UPDATE orders SET amount = (amount + 1) % 100 WHERE id <= 490"); // stalls at the sink
                List<Double> backlogSeen = new ArrayList<>();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    execute(source, "INSERT INTO filler (payload) SELECT repeat('x', 1000) FROM generate_series(1, 1000)");
                    backlogSeen.add(sourceBacklog(endpoint));
                    assertThat(prometheus.query(backlog.expr())).as("backlog seen %s", backlogSeen).isNotEmpty();
                });
                assertThat(backlogSeen).as("the backlog grew while the sink stalled")
                        .last().matches(last -> last > backlogSeen.get(0));
                lock.rollback();
            }
            // a captured change after the filler: the slot confirms past all of it with the next checkpoint
            execute(source, "UPDATE orders SET amount = 7 WHERE id = 1");
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(prometheus.query(backlog.expr())).as("after the stall").isEmpty());
            TestJobs.requireNotFailed(client, jobId);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    /**
     * MariaDB: once a checkpoint with the binlog split completes, the source reports its binlog
     * position held; with the sink stalled (so no newer checkpoint completes) the server rotates and
     * purges the file that checkpoint needs, and the position-lost alert's expression goes true; once
     * the sink is let go, newer checkpoints need only the newest file and it goes false again.
     */
    @Test
    void binlogPurgedFromUnderTheLastCheckpointFiresThePositionLostAlert(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        try (MariaDbTestServer maria = MariaDbTestServer.startPrivate(true)) {
            String shop = maria.createDatabase("mon_shop");
            maria.execute(shop, "CREATE TABLE orders (id INT PRIMARY KEY, amount INT NOT NULL)",
                    "INSERT INTO orders VALUES (1, 1), (2, 2), (3, 3)");
            String warehouse = createDatabase("mon_maria_wh");
            execute(warehouse, "CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL)");
            Path file = PipelineFile.mysql("monitoring-maria", maria.port(), List.of(shop + ".orders"))
                    .jdbcSink("warehouse", jdbcUrl(warehouse), "postgres", "postgres")
                    .route(shop + ".orders", "warehouse", "public.orders")
                    .write(temp, "maria.yaml");
            PipelineJob job = PipelineJob.of(PipelineConfigLoader.load(file));
            job.prepare();
            JobID jobId = TestJobs.submit(client, job);
            try (PrometheusServer prometheus = PrometheusServer.start(temp, "127.0.0.1:" + REPORTER_PORT,
                    List.of(MonitoringQueries.rulesFile()))) {
                URI endpoint = URI.create("http://127.0.0.1:" + REPORTER_PORT + "/metrics");
                maria.execute(shop, "UPDATE orders SET amount = 10 WHERE id = 1");
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> count(warehouse, "SELECT count(*) FROM orders WHERE amount = 10") == 1);
                AlertRule lost = rule("TidemarkSourcePositionLost");
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    assertThat(sourceGauge(endpoint, "tidemarkSourcePositionAvailable")).isEqualTo(1.0);
                    assertThat(sourceGauge(endpoint, "tidemarkSourcePurgeMarginBytes")).isPositive();
                    assertThat(prometheus.query("flink_taskmanager_job_task_operator_source_tidemarkSourcePositionAvailable"))
                            .isNotEmpty();
                });
                assertThat(prometheus.query(lost.expr())).as("position held").isEmpty();

                try (Connection lock = connect(warehouse)) {
                    lock.setAutoCommit(false);
                    try (Statement st = lock.createStatement()) {
                        st.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
                    }
                    for (int round = 0; round < 3; round++) {
                        maria.execute(shop, "UPDATE orders SET amount = amount + 1", "FLUSH BINARY LOGS");
                    }
                    String newest = maria.single("", "SHOW MASTER STATUS");
                    // the server keeps a file a binlog dump thread still reads: purge until only the newest is left
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                        maria.execute("", "PURGE BINARY LOGS TO '" + newest + "'");
                        return maria.single("", "SHOW BINARY LOGS").equals(newest);
                    });
                    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        assertThat(sourceGauge(endpoint, "tidemarkSourcePositionAvailable"))
                                .as("the checkpoint's binlog file is gone (binlog now from %s)",
                                        maria.single("", "SHOW BINARY LOGS"))
                                .isEqualTo(0.0);
                        assertThat(prometheus.query(lost.expr())).as("position-lost alert expression").isNotEmpty();
                    });
                    lock.rollback();
                }
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    assertThat(sourceGauge(endpoint, "tidemarkSourcePositionAvailable")).isEqualTo(1.0);
                    assertThat(prometheus.query(lost.expr())).as("after newer checkpoints").isEmpty();
                });
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> count(warehouse, "SELECT sum(amount) FROM orders") == 10 + 2 + 3 + 9);
                TestJobs.requireNotFailed(client, jobId);
            } finally {
                TestJobs.cancel(client, jobId);
            }
        }
    }

    /** The one known value of a source gauge in the scrape (readers without the binlog split report NaN). */
    private static double sourceGauge(URI endpoint, String name) throws IOException, InterruptedException {
        List<Double> known = MetricsScrape.of(endpoint).samples("flink_taskmanager_job_task_operator_source_" + name)
                .stream().map(MetricsScrape.Sample::value).filter(v -> !v.isNaN()).toList();
        assertThat(known).as(name).hasSize(1);
        return known.get(0);
    }

    /** Each metric of {@code expr} as a query of its own, with the matchers written beside it. */
    private static List<String> selectors(String expr) {
        List<String> selectors = new ArrayList<>();
        Matcher m = METRIC_WITH_MATCHERS.matcher(expr);
        while (m.find()) {
            selectors.add(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
        }
        return selectors;
    }

    private static double sourceBacklog(URI endpoint) throws IOException, InterruptedException {
        return MetricsScrape.of(endpoint).samples("flink_taskmanager_job_task_operator_source_tidemarkSourceBacklogBytes")
                .stream().mapToDouble(MetricsScrape.Sample::value).filter(v -> !Double.isNaN(v)).max().orElse(-1);
    }

    private static AlertRule rule(String name) {
        return MonitoringQueries.alertRules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * Every metric name in the dashboard's queries and the alert expressions, with the labels their
     * matchers and groupings use (a grouping's labels are required of every metric in its query).
     */
    private static Map<String, Set<String>> wantedMetrics() {
        List<String> queries = new ArrayList<>();
        MonitoringQueries.dashboardQueries().forEach(q -> queries.add(q.expr()));
        MonitoringQueries.alertRules().forEach(r -> queries.add(r.expr()));
        Map<String, Set<String>> wanted = new LinkedHashMap<>();
        for (String query : queries) {
            Set<String> metrics = new TreeSet<>();
            if (query.contains(FAILURE_ENRICHER_METRICS)) {
                continue;
            }
            Matcher names = METRIC.matcher(query);
            while (names.find()) {
                metrics.add(names.group(1));
                wanted.computeIfAbsent(names.group(1), n -> new TreeSet<>());
            }
            Matcher selectors = SELECTOR.matcher(query);
            while (selectors.find()) {
                Matcher labels = MATCHER_LABEL.matcher(selectors.group(2));
                while (labels.find()) {
                    wanted.get(selectors.group(1)).add(labels.group(1));
                }
            }
            Matcher groupings = GROUPING.matcher(query);
            while (groupings.find()) {
                for (String label : groupings.group(1).split(",")) {
                    if (!label.isBlank()) {
                        metrics.forEach(m -> wanted.get(m).add(label.strip()));
                    }
                }
            }
        }
        return wanted;
    }

    private static Configuration prometheusReporter() {
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", Integer.toString(REPORTER_PORT));
        return conf;
    }
}
