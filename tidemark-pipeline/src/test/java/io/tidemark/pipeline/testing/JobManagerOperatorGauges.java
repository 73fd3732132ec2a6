package io.tidemark.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A job's JobManager operator metrics (its source enumerators' gauges) as a user reads them, through
 * the MiniCluster's REST API at {@code /jobs/:id/vertices/:vid/jm-operator-metrics}.
 */
public final class JobManagerOperatorGauges {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RestClusterClient<?> client;
    private final JobID job;
    private final HttpClient http = HttpClient.newHttpClient();

    public JobManagerOperatorGauges(RestClusterClient<?> client, JobID job) {
        this.client = client;
        this.job = job;
    }

    /**
     * The value of the gauge whose id ends with {@code name}, as a number, in the first vertex that
     * has it; fails if no vertex has it (yet).
     */
    public long value(String name) throws Exception {
        JobDetailsInfo details = client.getJobDetails(job).get();
        for (JobDetailsInfo.JobVertexDetailsInfo vertex : details.getJobVertexInfos()) {
            String base = client.getWebInterfaceURL() + "/jobs/" + job + "/vertices/" + vertex.getJobVertexID()
                    + "/jm-operator-metrics";
            for (JsonNode metric : get(base)) {
                String id = metric.path("id").asText();
                if (id.endsWith("." + name) || id.equals(name)) {
                    JsonNode values = get(base + "?get=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
                    return Math.round(Double.parseDouble(values.get(0).path("value").asText()));
                }
            }
        }
        throw new AssertionError("no JobManager operator metric " + name + " in job " + job);
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(url + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
