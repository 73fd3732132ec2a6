package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobObserver;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The loop of {@code tidemark checkpoint status --watch}: reads a {@link CheckpointWatchFrame}
 * every interval and hands it to be shown, until the given number of refreshes is done or the job
 * ends. A job that finished ends the watch with success after its last frame; one that failed or
 * was cancelled with a failure, so that a script watching a job learns how it ended.
 */
final class CheckpointWatch {

    private final SnapshotService service;
    private final JobObserver observer;
    private final JobID job;
    private final Duration interval;
    private final int iterations;
    private final ChangeRates rates = new ChangeRates();

    /** Watches {@code job} every {@code interval}, {@code iterations} times (0: until interrupted). */
    CheckpointWatch(SnapshotService service, JobObserver observer, JobID job, Duration interval, int iterations) {
        this.service = service;
        this.observer = observer;
        this.job = job;
        this.interval = interval;
        this.iterations = iterations;
    }

    /** Shows each frame; returns once done or the job finished, throws if it failed or was cancelled. */
    void run(Consumer<CheckpointWatchFrame> show) throws Exception {
        long started = System.nanoTime();
        for (int i = 0; iterations == 0 || i < iterations; i++) {
            if (i > 0) {
                // on a fixed schedule, so that slow reads do not stretch the interval
                long next = started + interval.toNanos() * i;
                Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
            }
            CheckpointWatchFrame frame = read();
            show.accept(frame);
            JobStatus status = frame.job().status();
            if (status == JobStatus.FINISHED) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                throw new SnapshotException(Reason.OPERATION_FAILED, "job " + job + " ended " + status
                        + " while watched; see its exceptions in Flink's Web UI");
            }
        }
    }

    CheckpointWatchFrame read() throws Exception {
        JobSummary summary = service.job(job);
        CheckpointStatus status = service.checkpointStatus(job);
        List<RecentCheckpoint> recent = observer.recentCheckpoints(job);
        TidemarkMetrics metrics = observer.tidemarkMetrics(job);
        Instant at = Instant.now();
        return new CheckpointWatchFrame(at, summary, status, recent, rates.next(at, metrics), metrics.sources(),
                metrics.deadLettersPending());
    }

    /** A recent checkpoint as the JSON output shows it: durations in milliseconds, unknown values null. */
    record CheckpointJson(
            long id,
            String status,
            boolean savepoint,
            String triggeredAt,
            long durationMillis,
            @Nullable Long alignmentMillis,
            @Nullable Long startDelayMillis,
            long checkpointedSizeBytes,
            long stateSizeBytes,
            long processedDataBytes,
            long persistedDataBytes,
            int acknowledgedSubtasks,
            int subtasks,
            @Nullable String failureMessage) {

        static CheckpointJson of(RecentCheckpoint c) {
            return new CheckpointJson(c.id(), c.status().name(), c.savepoint(), c.triggeredAt().toString(),
                    c.duration().toMillis(), c.alignment() == null ? null : c.alignment().toMillis(),
                    c.startDelay() == null ? null : c.startDelay().toMillis(), c.checkpointedSizeBytes(), c.stateSizeBytes(),
                    c.processedDataBytes(), c.persistedDataBytes(), c.acknowledgedSubtasks(), c.subtasks(), c.failureMessage());
        }
    }
}
