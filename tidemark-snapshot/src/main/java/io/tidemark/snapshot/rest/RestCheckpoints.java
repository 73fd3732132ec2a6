package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.ProgressListener;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.TriggerId;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointConfigHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointConfigInfo;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointInfo;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatusHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatusMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointTriggerHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointTriggerMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointTriggerRequestBody;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.util.RestMapperUtils;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A job's checkpointing through REST: its status (counts, latest completed, failed and restored
 * checkpoints, configuration) and a checkpoint taken on demand.
 */
final class RestCheckpoints {

    private static final Logger LOG = LoggerFactory.getLogger(RestCheckpoints.class);

    private final RestCalls calls;
    private final RestJobs jobs;

    RestCheckpoints(RestCalls calls, RestJobs jobs) {
        this.calls = calls;
        this.jobs = jobs;
    }

    long trigger(JobID job, ProgressListener progress) throws Exception {
        jobs.requireRunning(job, "checkpoint", calls.waitFor("checkpoint of job " + job, calls.callTimeout(), progress, ""));
        // Flink aborts a checkpoint that runs past the job's checkpoint timeout: no need to wait longer
        Duration limit = config(job).timeout().plus(calls.callTimeout());
        RestWait wait = calls.waitFor("checkpoint of job " + job, limit, progress, "");
        CheckpointTriggerMessageParameters params = CheckpointTriggerHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobID.resolve(job);
        CheckpointTriggerRequestBody body = new CheckpointTriggerRequestBody(CheckpointType.FULL, new TriggerId());
        TriggerId trigger = wait.call(calls.client().sendRequest(CheckpointTriggerHeaders.getInstance(), params, body), job).getTriggerId();

        CheckpointStatusMessageParameters status = CheckpointStatusHeaders.getInstance().getUnresolvedMessageParameters();
        status.jobIdPathParameter.resolve(job);
        status.triggerIdPathParameter.resolve(trigger);
        CheckpointInfo info = calls.poll(wait, () -> calls.get(CheckpointStatusHeaders.getInstance(), status));
        if (info.getFailureCause() != null) {
            throw calls.operationFailure(job, "checkpoint of job " + job, info.getFailureCause());
        }
        LOG.info("Checkpoint {} of job {} complete", info.getCheckpointId(), job);
        return info.getCheckpointId();
    }

    CheckpointStatus status(JobID job) throws Exception {
        CheckpointingStatistics stats = statistics(job);
        CheckpointingStatistics.Counts counts = stats.getCounts();
        CheckpointingStatistics.LatestCheckpoints latest = stats.getLatestCheckpoints();
        CheckpointingStatistics.RestoredCheckpointStatistics restored = latest.getRestoredCheckpointStatistics();
        CheckpointStatistics.FailedCheckpointStatistics failed = latest.getFailedCheckpointStatistics();
        return new CheckpointStatus(
                job,
                new CheckpointStatus.Counts(
                        counts.getTotalNumberCheckpoints(),
                        counts.getNumberInProgressCheckpoints(),
                        counts.getNumberCompletedCheckpoints(),
                        counts.getNumberFailedCheckpoints(),
                        counts.getNumberRestoredCheckpoints()),
                completed(latest.getCompletedCheckpointStatistics()),
                completed(latest.getSavepointStatistics()),
                failed == null ? null : new CheckpointStatus.Failed(
                        failed.getId(), Instant.ofEpochMilli(failed.getFailureTimestamp()), failed.getFailureMessage()),
                restored == null ? null : new CheckpointStatus.Restored(
                        restored.getId(), Instant.ofEpochMilli(restored.getRestoreTimestamp()), restored.getExternalPath(), restored.isSavepoint()),
                config(job));
    }

    /**
     * The external paths of the job's snapshots the cluster still records: the completed checkpoints
     * and savepoints of its recent history, its latest savepoint and checkpoint, what it restored from.
     */
    List<String> externalPaths(JobID job) throws Exception {
        CheckpointingStatistics stats = statistics(job);
        CheckpointingStatistics.LatestCheckpoints latest = stats.getLatestCheckpoints();
        List<String> paths = new ArrayList<>();
        for (CheckpointStatistics entry : stats.getHistory()) {
            if (entry instanceof CheckpointStatistics.CompletedCheckpointStatistics completed) {
                paths.add(completed.getExternalPath());
            }
        }
        for (CheckpointStatistics.CompletedCheckpointStatistics completed
                : Arrays.asList(latest.getSavepointStatistics(), latest.getCompletedCheckpointStatistics())) {
            if (completed != null) {
                paths.add(completed.getExternalPath());
            }
        }
        if (latest.getRestoredCheckpointStatistics() != null) {
            paths.add(latest.getRestoredCheckpointStatistics().getExternalPath());
        }
        paths.removeIf(p -> p == null || p.isBlank() || p.equals("<checkpoint-not-externally-addressable>"));
        return paths;
    }

    /** Flink's {@code /jobs/:id/checkpoints}: counts, latest checkpoints and the recent history. */
    CheckpointingStatistics statistics(JobID job) throws Exception {
        JobMessageParameters params = CheckpointingStatisticsHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobPathParameter.resolve(job);
        return calls.call(calls.get(CheckpointingStatisticsHeaders.getInstance(), params), "reading the checkpoints of job " + job, job);
    }

    private CheckpointStatus.Config config(JobID job) throws Exception {
        JobMessageParameters params = CheckpointConfigHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobPathParameter.resolve(job);
        CheckpointConfigInfo info = calls.call(calls.get(CheckpointConfigHeaders.getInstance(), params),
                "reading the checkpoint configuration of job " + job, job);
        // CheckpointConfigInfo has no getters; its JSON fields are the documented REST API
        JsonNode config = RestMapperUtils.getStrictObjectMapper().valueToTree(info);
        JsonNode externalization = config.path(CheckpointConfigInfo.FIELD_NAME_EXTERNALIZED_CHECKPOINT_CONFIG);
        boolean externalized = externalization.path(CheckpointConfigInfo.ExternalizedCheckpointInfo.FIELD_NAME_ENABLED).asBoolean();
        long interval = config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_INTERVAL).asLong();
        return new CheckpointStatus.Config(
                config.path(CheckpointConfigInfo.FIELD_NAME_PROCESSING_MODE).asText().toUpperCase(Locale.ROOT),
                interval == Long.MAX_VALUE ? Duration.ZERO : Duration.ofMillis(interval),
                Duration.ofMillis(config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_TIMEOUT).asLong()),
                Duration.ofMillis(config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_MIN_PAUSE).asLong()),
                config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_MAX_CONCURRENT).asInt(),
                externalized,
                externalized && !externalization.path(CheckpointConfigInfo.ExternalizedCheckpointInfo.FIELD_NAME_DELETE_ON_CANCELLATION).asBoolean(),
                textOrNull(config.path(CheckpointConfigInfo.FIELD_NAME_CHECKPOINT_STORAGE)),
                textOrNull(config.path(CheckpointConfigInfo.FIELD_NAME_STATE_BACKEND)));
    }

    @Nullable
    private static CheckpointStatus.Completed completed(@Nullable CheckpointStatistics.CompletedCheckpointStatistics stats) {
        if (stats == null) {
            return null;
        }
        return new CheckpointStatus.Completed(
                stats.getId(),
                Instant.ofEpochMilli(stats.getLatestAckTimestamp()),
                stats.getExternalPath(),
                stats.getStateSize(),
                Duration.ofMillis(stats.getDuration()));
    }

    @Nullable
    static String textOrNull(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }
}
