package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedMetric;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedSubtaskMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedSubtaskMetricsParameters;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * Tidemark's metrics of a job through REST, as Flink's Web UI reads any metric: per vertex, the
 * metric ids its subtasks report ({@code /jobs/:id/vertices/:vid/subtasks/metrics}), then the
 * values of Tidemark's among them aggregated over the subtasks ({@code ?get=...&agg=max,sum}).
 * The highest value of a gauge (lag, change log) and the sum of a counter or of the dead-letter
 * gauges (one subtask per sink reports them).
 *
 * <p>The names are those tidemark-pipeline registers ({@code SinkMetrics}, {@code
 * SourceRetentionGauges}, {@code DeadLetterGauges}), under the groups {@code sink}, {@code table} and
 * {@code source}. This module does not depend on the pipeline's; a CLI test reads a running
 * pipeline's metrics through here, which keeps the two in step. Flink refreshes what its REST API
 * shows every {@code metrics.fetcher.update-interval} (10 s by default).
 */
final class RestJobMetrics {

    static final String LAG_MS = "tidemarkLagMs";
    static final String CHANGES_APPLIED = "tidemarkChangesApplied";
    static final String SOURCE_BACKLOG_BYTES = "tidemarkSourceBacklogBytes";
    static final String SOURCE_RETAINED_BYTES = "tidemarkSourceRetainedBytes";
    static final String DEAD_LETTERS_PENDING = "tidemarkDeadLettersPending";

    private static final Set<String> NAMES = Set.of(LAG_MS, CHANGES_APPLIED, SOURCE_BACKLOG_BYTES, SOURCE_RETAINED_BYTES,
            DEAD_LETTERS_PENDING);
    /** Metric ids per request, so that the query string stays short. */
    private static final int IDS_PER_REQUEST = 40;

    /**
     * A metric id as Flink's REST API names an operator's metric: {@code
     * <operator>.<key>.<value>...<name>}, every part without dots (Flink replaces them).
     */
    record MetricId(String operator, Map<String, String> groups, String name) {

        static MetricId parse(String id) {
            String[] parts = id.split("\\.", -1);
            Map<String, String> groups = new TreeMap<>();
            int i = parts.length - 2;
            for (; i >= 1; i -= 2) {
                groups.put(parts[i - 1], parts[i]);
            }
            return new MetricId(i == 0 ? parts[0] : "", groups, parts[parts.length - 1]);
        }

        /** The value of group {@code key}, else the operator's name (older jobs named no sink group). */
        String group(String key) {
            String value = groups.get(key);
            return value != null ? value : operator.isEmpty() ? "-" : operator;
        }
    }

    /** One metric's value aggregated over a vertex's subtasks; {@code null} where no subtask reports a number. */
    record Reading(MetricId id, @Nullable Double max, @Nullable Double sum) {}

    private final RestCalls calls;
    private final RestJobs jobs;

    RestJobMetrics(RestCalls calls, RestJobs jobs) {
        this.calls = calls;
        this.jobs = jobs;
    }

    TidemarkMetrics read(JobID job) throws Exception {
        List<Reading> readings = new ArrayList<>();
        for (RestJobs.Vertex vertex : jobs.vertices(job)) {
            List<String> ids = new ArrayList<>();
            for (AggregatedMetric metric : aggregated(job, vertex, null)) {
                if (NAMES.contains(MetricId.parse(metric.getId()).name())) {
                    ids.add(metric.getId());
                }
            }
            for (int from = 0; from < ids.size(); from += IDS_PER_REQUEST) {
                List<String> some = ids.subList(from, Math.min(ids.size(), from + IDS_PER_REQUEST));
                for (AggregatedMetric metric : aggregated(job, vertex, String.join(",", some))) {
                    readings.add(new Reading(MetricId.parse(metric.getId()), number(metric.getMax()), number(metric.getSum())));
                }
            }
        }
        return metrics(readings);
    }

    /** Tidemark's metrics from the readings of all vertices. */
    static TidemarkMetrics metrics(List<Reading> readings) {
        Map<List<String>, TidemarkMetrics.SinkTable> sinkTables = new TreeMap<>(Comparator.comparing(Object::toString));
        Map<String, TidemarkMetrics.Source> sources = new TreeMap<>();
        Map<List<String>, TidemarkMetrics.DeadLetters> deadLetters = new TreeMap<>(Comparator.comparing(Object::toString));
        for (Reading r : readings) {
            String sink = r.id().group("sink");
            String table = r.id().group("table");
            String source = r.id().group("source");
            switch (r.id().name()) {
                case LAG_MS -> sinkTables.merge(List.of(sink, table),
                        new TidemarkMetrics.SinkTable(sink, table, whole(r.max()), null), RestJobMetrics::merge);
                case CHANGES_APPLIED -> sinkTables.merge(List.of(sink, table),
                        new TidemarkMetrics.SinkTable(sink, table, null, whole(r.sum())), RestJobMetrics::merge);
                case SOURCE_BACKLOG_BYTES -> sources.merge(source,
                        new TidemarkMetrics.Source(source, whole(r.max()), null), RestJobMetrics::merge);
                case SOURCE_RETAINED_BYTES -> sources.merge(source,
                        new TidemarkMetrics.Source(source, null, whole(r.max())), RestJobMetrics::merge);
                case DEAD_LETTERS_PENDING -> {
                    Long pending = whole(r.sum());
                    if (pending != null) {
                        deadLetters.merge(List.of(sink, table), new TidemarkMetrics.DeadLetters(sink, table, pending),
                                (a, b) -> new TidemarkMetrics.DeadLetters(sink, table, a.pending() + b.pending()));
                    }
                }
                default -> { }
            }
        }
        return new TidemarkMetrics(List.copyOf(sinkTables.values()), List.copyOf(sources.values()), List.copyOf(deadLetters.values()));
    }

    private static TidemarkMetrics.SinkTable merge(TidemarkMetrics.SinkTable a, TidemarkMetrics.SinkTable b) {
        return new TidemarkMetrics.SinkTable(a.sink(), a.table(), either(a.lagMs(), b.lagMs(), Math::max),
                either(a.changesApplied(), b.changesApplied(), Long::sum));
    }

    private static TidemarkMetrics.Source merge(TidemarkMetrics.Source a, TidemarkMetrics.Source b) {
        return new TidemarkMetrics.Source(a.source(), either(a.backlogBytes(), b.backlogBytes(), Math::max),
                either(a.retainedBytes(), b.retainedBytes(), Math::max));
    }

    @Nullable
    private static Long either(@Nullable Long a, @Nullable Long b, BinaryOperator<Long> both) {
        return a == null ? b : b == null ? a : both.apply(a, b);
    }

    /** The aggregated values of {@code ids} (comma-separated) of a vertex's subtasks, or with {@code null} the ids alone. */
    private List<AggregatedMetric> aggregated(JobID job, RestJobs.Vertex vertex, @Nullable String ids) throws Exception {
        AggregatedSubtaskMetricsParameters params = AggregatedSubtaskMetricsHeaders.getInstance().getUnresolvedMessageParameters();
        RestCalls.resolve(params, "jobid", job.toHexString());
        RestCalls.resolve(params, "vertexid", vertex.id().toHexString());
        if (ids != null) {
            RestCalls.resolve(params, "get", ids);
            RestCalls.resolve(params, "agg", "max,sum");
        }
        return List.copyOf(calls.call(calls.get(AggregatedSubtaskMetricsHeaders.getInstance(), params),
                "reading the metrics of " + vertex.name() + " in job " + job, job).getMetrics());
    }

    /** A gauge that cannot read its source reports NaN: unknown, as is a value that is not a number. */
    @Nullable
    private static Double number(@Nullable Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }

    @Nullable
    private static Long whole(@Nullable Double value) {
        return value == null ? null : Math.round(value);
    }
}
