package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobFailure;
import io.tidemark.snapshot.JobObserver;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.RecentCheckpoint;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.TidemarkMetrics;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the watch ends: after its refreshes, or with the job (success once it finished, a failure
 * naming the state if it failed or was cancelled), always after showing the job's last frame.
 */
class CheckpointWatchTest {

    private static final JobID JOB = JobID.fromHexString("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    private static final Duration NOW = Duration.ofMillis(1);

    @Test
    void aWatchStopsAfterItsRefreshes() throws Exception {
        TestingCluster cluster = new TestingCluster(JobStatus.RUNNING);
        List<CheckpointWatchFrame> shown = new ArrayList<>();

        new CheckpointWatch(cluster, cluster, JOB, NOW, 3).run(shown::add);

        assertThat(shown).hasSize(3).allSatisfy(f -> assertThat(f.job().status()).isEqualTo(JobStatus.RUNNING));
    }

    @Test
    void aJobThatFinishesEndsTheWatchAfterItsLastFrame() throws Exception {
        TestingCluster cluster = new TestingCluster(JobStatus.RUNNING, JobStatus.FINISHED);
        List<CheckpointWatchFrame> shown = new ArrayList<>();

        new CheckpointWatch(cluster, cluster, JOB, NOW, 0).run(shown::add);

        assertThat(shown).extracting(f -> f.job().status()).containsExactly(JobStatus.RUNNING, JobStatus.FINISHED);
    }

    @Test
    void aJobThatFailsOrIsCancelledEndsTheWatchWithAFailure() {
        for (JobStatus end : new JobStatus[] {JobStatus.FAILED, JobStatus.CANCELED}) {
            TestingCluster cluster = new TestingCluster(JobStatus.RUNNING, end);
            List<CheckpointWatchFrame> shown = new ArrayList<>();

            assertThatThrownBy(() -> new CheckpointWatch(cluster, cluster, JOB, NOW, 0).run(shown::add))
                    .isInstanceOfSatisfying(SnapshotException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SnapshotException.Reason.OPERATION_FAILED);
                        assertThat(e.getMessage()).isEqualTo("job " + JOB + " ended " + end
                                + " while watched; see its exceptions in Flink's Web UI");
                    });
            assertThat(shown).extracting(f -> f.job().status()).containsExactly(JobStatus.RUNNING, end);
        }
    }

    /** A cluster whose one job goes through the given states, one per read; the last one stays. */
    private static final class TestingCluster implements SnapshotService, JobObserver {

        private final Deque<JobStatus> states;

        TestingCluster(JobStatus... states) {
            this.states = new ArrayDeque<>(List.of(states));
        }

        @Override
        public List<JobFailure> failures(JobID job) {
            return List.of();
        }

        @Override
        public List<String> snapshotPaths(JobID job) {
            return List.of();
        }

        @Override
        public JobSummary job(JobID job) {
            JobStatus status = states.size() > 1 ? states.removeFirst() : states.getFirst();
            return new JobSummary(job, "tidemark-orders", status, Instant.EPOCH);
        }

        @Override
        public CheckpointStatus checkpointStatus(JobID job) {
            return new CheckpointStatus(job, new CheckpointStatus.Counts(0, 0, 0, 0, 0), null, null, null, null,
                    new CheckpointStatus.Config("EXACTLY_ONCE", Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ZERO,
                            1, false, false, null, null));
        }

        @Override
        public List<RecentCheckpoint> recentCheckpoints(JobID job) {
            return List.of();
        }

        @Override
        public TidemarkMetrics tidemarkMetrics(JobID job) {
            return TidemarkMetrics.NONE;
        }

        @Override
        public List<JobSummary> jobs() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SavepointResult triggerSavepoint(JobID job, SavepointRequest request, ProgressListener progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SavepointResult stopWithSavepoint(JobID job, SavepointRequest request, boolean drain, ProgressListener progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long triggerCheckpoint(JobID job, ProgressListener progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void disposeSavepoint(String path, ProgressListener progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public JobID submit(JobSubmission submission, ProgressListener progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
