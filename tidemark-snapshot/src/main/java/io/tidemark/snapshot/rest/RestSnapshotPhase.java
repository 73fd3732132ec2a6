package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.SnapshotPhase;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.rest.messages.job.metrics.JobManagerOperatorMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.JobManagerOperatorMetricsMessageParameters;
import org.apache.flink.runtime.rest.messages.job.metrics.Metric;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A job's {@link SnapshotPhase} through REST: Flink CDC's source enumerator runs in the JobManager
 * and reports on its coordinator's metric group, which Flink serves per vertex at {@code
 * /jobs/:id/vertices/:vid/jm-operator-metrics}. The job-wide gauges ({@code isSnapshotting}, ...)
 * are read by their last name; the per-table groups repeat some names, which are not read.
 */
final class RestSnapshotPhase {

    private static final List<String> NAMES = List.of("isSnapshotting", "isStreamReading",
            "numSnapshotSplitsProcessed", "numSnapshotSplitsRemaining", "numTablesRemaining");

    private RestSnapshotPhase() {}

    static SnapshotPhase read(RestCalls calls, RestJobs jobs, JobID job) throws Exception {
        for (RestJobs.Vertex vertex : jobs.vertices(job)) {
            List<String> ids = new ArrayList<>();
            for (Metric metric : metrics(calls, job, vertex, null)) {
                if (isJobWide(metric.getId())) {
                    ids.add(metric.getId());
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            boolean snapshotting = false;
            boolean streaming = false;
            long processed = 0;
            long remaining = 0;
            long tables = 0;
            for (Metric metric : metrics(calls, job, vertex, String.join(",", ids))) {
                String value = metric.getValue();
                switch (lastName(metric.getId())) {
                    case "isSnapshotting" -> snapshotting |= truthy(value);
                    case "isStreamReading" -> streaming |= truthy(value);
                    case "numSnapshotSplitsProcessed" -> processed += whole(value);
                    case "numSnapshotSplitsRemaining" -> remaining += whole(value);
                    case "numTablesRemaining" -> tables += whole(value);
                    default -> { }
                }
            }
            return new SnapshotPhase(true, snapshotting, streaming, processed, remaining, tables);
        }
        return SnapshotPhase.UNKNOWN;
    }

    /** One of the enumerator's job-wide gauges: not inside a {@code namespace.….schema.….table.…} group. */
    private static boolean isJobWide(String id) {
        return NAMES.contains(lastName(id)) && !id.contains("table.");
    }

    private static String lastName(String id) {
        return id.substring(id.lastIndexOf('.') + 1);
    }

    private static boolean truthy(String value) {
        return "true".equalsIgnoreCase(value) || "1".equals(value);
    }

    private static long whole(String value) {
        try {
            return Math.round(Double.parseDouble(value));
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }

    private static Collection<Metric> metrics(RestCalls calls, JobID job, RestJobs.Vertex vertex, String ids)
            throws Exception {
        JobManagerOperatorMetricsMessageParameters params =
                JobManagerOperatorMetricsHeaders.getInstance().getUnresolvedMessageParameters();
        RestCalls.resolve(params, "jobid", job.toHexString());
        RestCalls.resolve(params, "vertexid", vertex.id().toHexString());
        if (ids != null) {
            RestCalls.resolve(params, "get", ids);
        }
        return calls.call(calls.get(JobManagerOperatorMetricsHeaders.getInstance(), params),
                "reading the source metrics of " + vertex.name() + " in job " + job, job).getMetrics();
    }
}
