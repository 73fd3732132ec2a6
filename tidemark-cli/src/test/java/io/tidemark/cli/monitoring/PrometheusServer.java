package io.tidemark.cli.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, which {@code .ci/run} installs) in
 * its own process on a free loopback port, scraping one target every second and evaluating rule
 * files every second, with its data in a test directory. Queries go through its HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final URI api;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusServer(Process process, URI api, Path log) {
        this.process = process;
        this.api = api;
        this.log = log;
    }

    /** Starts a server scraping {@code target} ({@code host:port}) with {@code ruleFiles} loaded. */
    public static PrometheusServer start(Path dir, String target, List<Path> ruleFiles) throws Exception {
        int port = freePort();
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
        if (!ruleFiles.isEmpty()) {
            config.append("rule_files:\n");
            ruleFiles.forEach(f -> config.append("  - ").append(f.toAbsolutePath()).append('\n'));
        }
        config.append("scrape_configs:\n  - job_name: flink\n    static_configs:\n      - targets: ['")
                .append(target).append("']\n");
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
        Path log = dir.resolve("prometheus.log");
        List<String> command = new ArrayList<>(List.of("prometheus",
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("data")),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"));
        boolean onPath = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d.isEmpty() ? "." : d, "prometheus")));
        if (!onPath) {
            throw new IOException("prometheus is not on the PATH: the metrics tests scrape a running job with it (run"
                    + " scripts/test, which installs Debian's prometheus package, or apt-get install --no-install-recommends"
                    + " prometheus)");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port), log);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> server.get("/-/ready").statusCode() == 200);
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException("Prometheus did not start: " + server.log(), e);
        }
        return server;
    }

    /** An instant query's result vector ({@code data.result}); fails on any status but success. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("query " + promql + " failed: " + response.body());
        }
        return body.path("data").path("result");
    }

    /** The rule groups as the server loaded them ({@code /api/v1/rules}). */
    public JsonNode rules() throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/rules").body()).path("data").path("groups");
    }

    /** The scrape target's health as the server sees it. */
    public String targetHealth() throws IOException, InterruptedException {
        JsonNode targets = JSON.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        return targets.isEmpty() ? "none" : targets.get(0).path("health").asText();
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A loopback port free now (for the server, or for the reporter it scrapes). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
