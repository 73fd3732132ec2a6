package io.tidemark.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.flink.api.common.JobID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples, once a second while a phase is measured, how each Flink vertex spends its time (busy,
 * back-pressured, idle, in ms per second, averaged over subtasks) through the REST API, to show
 * where a job's time goes: the busiest vertex that is not back-pressured is the bottleneck.
 */
public final class VertexLoadSampler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VertexLoadSampler.class);
    private static final String METRICS = "busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond";

    /** Averages over the samples of one vertex. */
    public record VertexLoad(String name, double busyMsPerSecond, double backPressuredMsPerSecond,
            double idleMsPerSecond, int samples) {}

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final URI rest;
    private final JobID job;
    private final Map<String, double[]> sums = new LinkedHashMap<>(); // name -> busy, bp, idle, samples
    private final Thread thread;
    private volatile boolean running = true;

    private VertexLoadSampler(URI rest, JobID job) {
        this.rest = rest;
        this.job = job;
        this.thread = new Thread(this::loop, "bench-vertex-load-sampler");
        this.thread.setDaemon(true);
    }

    public static VertexLoadSampler start(URI rest, JobID job) {
        VertexLoadSampler sampler = new VertexLoadSampler(rest, job);
        sampler.thread.start();
        return sampler;
    }

    private void loop() {
        try {
            Thread.sleep(1_500); // the first values after a restore describe the start, not the stream
            while (running) {
                sampleOnce();
                Thread.sleep(1_000);
            }
        } catch (InterruptedException e) {
            // stopped
        } catch (Exception e) {
            LOG.warn("Vertex load sampling stopped: {}", e.toString());
        }
    }

    private void sampleOnce() throws Exception {
        JsonNode vertices = get("/jobs/" + job).path("vertices");
        for (JsonNode vertex : vertices) {
            String id = vertex.path("id").asText();
            String name = vertex.path("name").asText();
            JsonNode metrics = get("/jobs/" + job + "/vertices/" + id + "/subtasks/metrics?get=" + METRICS + "&agg=avg");
            double busy = Double.NaN;
            double backPressured = Double.NaN;
            double idle = Double.NaN;
            for (JsonNode metric : metrics) {
                double value = metric.path("avg").asDouble(Double.NaN);
                switch (metric.path("id").asText()) {
                    case "busyTimeMsPerSecond" -> busy = value;
                    case "backPressuredTimeMsPerSecond" -> backPressured = value;
                    case "idleTimeMsPerSecond" -> idle = value;
                    default -> { }
                }
            }
            if (Double.isNaN(busy) || Double.isNaN(backPressured) || Double.isNaN(idle)) {
                continue; // not reported yet
            }
            synchronized (sums) {
                double[] sum = sums.computeIfAbsent(name, n -> new double[4]);
                sum[0] += busy;
                sum[1] += backPressured;
                sum[2] += idle;
                sum[3]++;
            }
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body());
    }

    /** Stops sampling and returns the averages per vertex, in graph order. */
    public List<VertexLoad> stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<VertexLoad> loads = new ArrayList<>();
        synchronized (sums) {
            sums.forEach((name, s) -> loads.add(
                    new VertexLoad(name, s[0] / s[3], s[1] / s[3], s[2] / s[3], (int) s[3])));
        }
        return loads;
    }

    @Override
    public void close() {
        stop();
    }
}
