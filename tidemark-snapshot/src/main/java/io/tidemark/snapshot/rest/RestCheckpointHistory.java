package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.RecentCheckpoint;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatisticDetailsHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.TaskCheckpointMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.TaskCheckpointStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.TaskCheckpointStatisticsWithSubtaskDetails;
import org.apache.flink.runtime.rest.messages.checkpoints.StatsSummaryDto;
import org.apache.flink.runtime.rest.util.RestMapperUtils;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's recent checkpoints through REST, each with its alignment and start delay. The history
 * ({@code /jobs/:id/checkpoints}) has sizes and durations; alignment and start delay are only in
 * each vertex's summary of a checkpoint ({@code /jobs/:id/checkpoints/details/:cid/subtasks/:vid},
 * {@code alignment.duration} and {@code start_delay}), one call per vertex. A checkpoint that has
 * ended does not change, so its details are read once and remembered; one still in progress is
 * read again each time.
 */
final class RestCheckpointHistory {

    /** Checkpoints whose details are remembered: a watch of several jobs' last ten stays well within it. */
    private static final int REMEMBERED = 256;

    private static final ObjectMapper JSON = RestMapperUtils.getStrictObjectMapper();

    /** The longest alignment and start delay of a checkpoint over its vertices; {@code null} where unknown. */
    private record Timing(@Nullable Duration alignment, @Nullable Duration startDelay) {
        static final Timing UNKNOWN = new Timing(null, null);
    }

    private record Key(JobID job, long checkpoint) {}

    private final RestCalls calls;
    private final RestCheckpoints checkpoints;
    private final Map<Key, Timing> ended = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Timing> eldest) {
            return size() > REMEMBERED;
        }
    };

    RestCheckpointHistory(RestCalls calls, RestCheckpoints checkpoints) {
        this.calls = calls;
        this.checkpoints = checkpoints;
    }

    List<RecentCheckpoint> recent(JobID job) throws Exception {
        List<RecentCheckpoint> recent = new ArrayList<>();
        for (CheckpointStatistics stats : checkpoints.statistics(job).getHistory()) {
            // processed, persisted and the failure message have no getters; the JSON fields are the documented REST API
            JsonNode entry = JSON.valueToTree(stats);
            RecentCheckpoint.Status status = RecentCheckpoint.Status.valueOf(stats.getStatus().name());
            Timing timing = timing(job, stats.getId(), status);
            recent.add(new RecentCheckpoint(
                    stats.getId(),
                    status,
                    stats.isSavepoint(),
                    Instant.ofEpochMilli(stats.getTriggerTimestamp()),
                    Duration.ofMillis(Math.max(0, stats.getDuration())),
                    stats.getCheckpointedSize(),
                    stats.getStateSize(),
                    entry.path(CheckpointStatistics.FIELD_NAME_PROCESSED_DATA).asLong(),
                    entry.path(CheckpointStatistics.FIELD_NAME_PERSISTED_DATA).asLong(),
                    stats.getNumAckSubtasks(),
                    stats.getNumSubtasks(),
                    timing.alignment(),
                    timing.startDelay(),
                    RestCheckpoints.textOrNull(entry.path(CheckpointStatistics.FailedCheckpointStatistics.FIELD_NAME_FAILURE_MESSAGE))));
        }
        return recent;
    }

    private Timing timing(JobID job, long checkpoint, RecentCheckpoint.Status status) throws Exception {
        Key key = new Key(job, checkpoint);
        synchronized (ended) {
            Timing known = ended.get(key);
            if (known != null) {
                return known;
            }
        }
        Timing timing = read(job, checkpoint);
        if (status != RecentCheckpoint.Status.IN_PROGRESS) {
            synchronized (ended) {
                ended.put(key, timing);
            }
        }
        return timing;
    }

    private Timing read(JobID job, long checkpoint) throws Exception {
        CheckpointMessageParameters params = CheckpointStatisticDetailsHeaders.getInstance().getUnresolvedMessageParameters();
        RestCalls.resolve(params, "jobid", job.toHexString());
        RestCalls.resolve(params, "checkpointid", Long.toString(checkpoint));
        String what = "reading checkpoint " + checkpoint + " of job " + job;
        Optional<CheckpointStatistics> details = calls.callIfFound(calls.get(CheckpointStatisticDetailsHeaders.getInstance(), params), what);
        if (details.isEmpty() || details.get().getCheckpointStatisticsPerTask() == null) {
            return Timing.UNKNOWN;
        }
        Duration alignment = null;
        Duration startDelay = null;
        for (JobVertexID vertex : details.get().getCheckpointStatisticsPerTask().keySet()) {
            TaskCheckpointMessageParameters task = TaskCheckpointStatisticsHeaders.getInstance().getUnresolvedMessageParameters();
            RestCalls.resolve(task, "jobid", job.toHexString());
            RestCalls.resolve(task, "checkpointid", Long.toString(checkpoint));
            RestCalls.resolve(task, "vertexid", vertex.toHexString());
            Optional<TaskCheckpointStatisticsWithSubtaskDetails> subtasks =
                    calls.callIfFound(calls.get(TaskCheckpointStatisticsHeaders.getInstance(), task), what);
            if (subtasks.isEmpty()) {
                continue;
            }
            TaskCheckpointStatisticsWithSubtaskDetails.Summary summary = subtasks.get().getSummary();
            alignment = longest(alignment, summary.getCheckpointAlignment() == null ? null : summary.getCheckpointAlignment().getDuration());
            startDelay = longest(startDelay, summary.getCheckpointStartDelay());
        }
        return new Timing(alignment, startDelay);
    }

    /** The longer of {@code known} and the maximum of {@code stats} (milliseconds); a summary of no subtask counts as unknown. */
    @Nullable
    private static Duration longest(@Nullable Duration known, @Nullable StatsSummaryDto stats) {
        if (stats == null || stats.getMaximum() < 0) {
            return known;
        }
        Duration value = Duration.ofMillis(stats.getMaximum());
        return known == null || value.compareTo(known) > 0 ? value : known;
    }
}
