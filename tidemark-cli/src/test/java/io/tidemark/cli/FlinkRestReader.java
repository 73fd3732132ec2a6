package io.tidemark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Flink cluster's REST API read as its Web UI or a script reads it: the cluster's and the
 * JobManager's resources, and a job's (configuration, plan, exceptions, checkpoints, vertices,
 * subtasks, metrics with their values, TaskManagers, logs, thread dumps). Every answer is kept, with
 * its status, by path, for {@link RunningJobSecretScanITCase} to scan.
 */
final class FlinkRestReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int METRICS_PER_REQUEST = 40;

    private final URI rest;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> responses = new TreeMap<>();

    /** The REST API at {@code rest} (the Web UI's address). */
    FlinkRestReader(URI rest) {
        this.rest = rest;
    }

    /** What each path answered last: its status, a space, its body. */
    Map<String, String> responses() {
        return responses;
    }

    /** GETs {@code path} (relative, without a leading {@code /}); what it answered is kept. */
    String get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(rest.resolve(path.replace(",", "%2C")))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        responses.put(path, response.statusCode() + " " + response.body());
        return response.body();
    }

    JsonNode json(String path) throws Exception {
        return JSON.readTree(get(path));
    }

    /** Every resource of the cluster and of {@code job} that a browser or a script can read. */
    void readAll(String job) throws Exception {
        String j = "jobs/" + job;
        for (String path : List.of("config", "overview", "jobs", "jobs/overview", "jobmanager/config",
                "jobmanager/environment", "jobmanager/logs", "jobmanager/log", "jobmanager/stdout", "jobmanager/thread-dump",
                j, j + "/config", j + "/plan", j + "/status", j + "/exceptions?maxExceptions=100", j + "/accumulators",
                j + "/checkpoints/config", j + "/jobmanager/config", j + "/jobmanager/environment", j + "/jobmanager/log-url")) {
            get(path);
        }
        metrics("jobmanager/metrics");
        metrics(j + "/metrics");
        JsonNode checkpoints = json(j + "/checkpoints").path("history");
        for (JsonNode checkpoint : checkpoints) {
            get(j + "/checkpoints/details/" + checkpoint.path("id").asText());
        }
        for (JsonNode vertex : json(j).path("vertices")) {
            String v = j + "/vertices/" + vertex.path("id").asText();
            for (String path : List.of(v, v + "/subtasks/accumulators", v + "/subtasktimes", v + "/taskmanagers",
                    v + "/accumulators", v + "/watermarks", v + "/backpressure", v + "/subtasks/0",
                    v + "/subtasks/0/attempts/0")) {
                get(path);
            }
            metrics(v + "/metrics");
            for (JsonNode checkpoint : checkpoints) {
                get(j + "/checkpoints/details/" + checkpoint.path("id").asText() + "/subtasks/" + vertex.path("id").asText());
            }
        }
        for (JsonNode taskManager : json("taskmanagers").path("taskmanagers")) {
            String tm = "taskmanagers/" + taskManager.path("id").asText();
            for (String path : List.of(tm, tm + "/logs", tm + "/log", tm + "/stdout", tm + "/thread-dump",
                    j + "/taskmanagers/" + taskManager.path("id").asText() + "/log-url")) {
                get(path);
            }
            metrics(tm + "/metrics");
        }
    }

    /** The names of the metrics at {@code path}, then all their values. */
    private void metrics(String path) throws Exception {
        List<String> names = new ArrayList<>();
        json(path).forEach(metric -> names.add(metric.path("id").asText()));
        for (int from = 0; from < names.size(); from += METRICS_PER_REQUEST) {
            get(path + "?get=" + String.join(",", names.subList(from, Math.min(names.size(), from + METRICS_PER_REQUEST))));
        }
    }
}
