package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.TidemarkMetrics;

import javax.annotation.Nullable;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One refresh of {@code tidemark checkpoint status --watch}: the job, its checkpoint counts, its
 * recent checkpoints (newest first), and Tidemark's metrics with the rate of changes applied. A
 * plain value, so that rendering it is a pure function a test can call without a cluster.
 */
record CheckpointWatchFrame(
        Instant at,
        JobSummary job,
        CheckpointStatus status,
        List<RecentCheckpoint> recent,
        List<SinkTableRow> sinkTables,
        List<TidemarkMetrics.Source> sources,
        @Nullable Long deadLettersPending) {

    CheckpointWatchFrame {
        Objects.requireNonNull(at, "at cannot be null");
        Objects.requireNonNull(job, "job cannot be null");
        Objects.requireNonNull(status, "status cannot be null");
        recent = List.copyOf(recent);
        sinkTables = List.copyOf(sinkTables);
        sources = List.copyOf(sources);
    }

    /**
     * A source table in a sink: its lag, the changes applied so far and their rate ({@code null}
     * until two readings of the counter are known, or after the counter went back, as when the
     * job restarted).
     */
    record SinkTableRow(String sink, String table, @Nullable Long lagMs, @Nullable Long changesApplied,
            @Nullable Double changesPerSecond) {}
}
