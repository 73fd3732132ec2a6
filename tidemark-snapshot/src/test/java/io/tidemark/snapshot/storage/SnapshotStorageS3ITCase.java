package io.tidemark.snapshot.storage;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.retention.CleanupReport;
import io.tidemark.snapshot.retention.RetentionPlan;
import io.tidemark.snapshot.retention.RetentionPolicy;
import io.tidemark.snapshot.retention.RetentionRules;
import io.tidemark.snapshot.retention.SnapshotCleaner;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Snapshot storage on S3 (s3proxy in this JVM, Flink's {@code flink-s3-fs-hadoop} on the class path):
 * a counting job checkpoints to and takes a savepoint on {@code s3://}, and is cancelled after a newer
 * checkpoint; the listing finds both, a job restored from the savepoint goes on counting, and a cleanup
 * deletes the savepoint from the bucket. The cleanup runs last: it deletes what the others look at.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotStorageS3ITCase {

    private static final String BUCKET = "tidemark-snapshots";

    /** Started before the cluster, whose configuration needs the endpoint's port; stopped after it. */
    @RegisterExtension
    @Order(1)
    static final LocalS3 S3 = LocalS3.start(BUCKET);

    @RegisterExtension
    @Order(2)
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(S3.flinkConfiguration(CountingJob.clusterConfiguration()))
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private static final String SAVEPOINTS = S3.uri("savepoints");
    private static final String CHECKPOINTS = S3.uri("checkpoints");

    private static SnapshotStorage storage;
    private static JobID firstJob;
    private static String savepoint;
    private static Map<Integer, Long> countsBeforeSavepoint;
    private static Map<Integer, Long> countsAfterSavepoint;

    @BeforeAll
    static void writeSnapshotsToS3(@InjectClusterClient ClusterClient<?> client) throws Exception {
        // Flink's file systems are global to the JVM: this is what the CLI does with its configuration
        storage = SnapshotStorage.create(S3.flinkConfiguration(new Configuration()));

        firstJob = client.submitJob(CountingJob.jobGraph("s3-first", CHECKPOINTS, null)).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                CountingJob.highestCounts("s3-first").size() == CountingJob.KEYS && completeCheckpointIds(firstJob).size() > 0);
        countsBeforeSavepoint = CountingJob.highestCounts("s3-first");
        savepoint = client.triggerSavepoint(firstJob, SAVEPOINTS, SavepointFormatType.CANONICAL).get(30, TimeUnit.SECONDS);
        countsAfterSavepoint = CountingJob.highestCounts("s3-first");
        long savepointId = storage.inspect(savepoint).checkpointId();
        // a checkpoint after the savepoint, so that the savepoint is not the newest complete snapshot
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                completeCheckpointIds(firstJob).stream().anyMatch(id -> id > savepointId));
        client.cancel(firstJob).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.getJobStatus(firstJob).get() == JobStatus.CANCELED);
    }

    @Test
    @Order(1)
    void listFindsTheSavepointAndTheRetainedCheckpointOnS3() throws Exception {
        List<SnapshotInfo> listed = storage.list(List.of(SAVEPOINTS, CHECKPOINTS));

        SnapshotInfo listedSavepoint = listed.stream().filter(s -> s.kind() == SnapshotKind.SAVEPOINT).findFirst().orElseThrow();
        assertThat(listedSavepoint.path()).isEqualTo(SnapshotPaths.normalize(savepoint))
                .startsWith(SAVEPOINTS + "/savepoint-" + firstJob.toHexString().substring(0, 6) + "-");
        assertThat(listedSavepoint.complete()).isTrue();
        assertThat(listedSavepoint.jobIdPrefix()).isEqualTo(firstJob.toHexString().substring(0, 6));
        assertThat(listedSavepoint.sizeBytes()).isPositive().isEqualTo(S3.objectBytes(key(listedSavepoint) + "/"));
        assertThat(storage.inspect(savepoint + "/_metadata")).isEqualTo(listedSavepoint);

        List<SnapshotInfo> checkpoints = listed.stream().filter(s -> s.kind() == SnapshotKind.CHECKPOINT && s.complete()).toList();
        assertThat(checkpoints).hasSize(1);
        SnapshotInfo checkpoint = checkpoints.get(0);
        assertThat(checkpoint.path()).isEqualTo(CHECKPOINTS + "/" + firstJob.toHexString() + "/chk-" + checkpoint.checkpointId());
        assertThat(checkpoint.jobId()).isEqualTo(firstJob.toHexString());
        assertThat(checkpoint.checkpointId()).isGreaterThan(listedSavepoint.checkpointId());
        assertThat(checkpoint.sizeBytes()).isPositive().isEqualTo(S3.objectBytes(key(checkpoint) + "/"));
        // S3 gives times to the second; the checkpoint id orders snapshots of one second
        assertThat(checkpoint.time()).isAfterOrEqualTo(listedSavepoint.time());
        assertThat(listed.indexOf(checkpoint)).isLessThan(listed.indexOf(listedSavepoint));

        assertThat(storage.list(List.of(S3.uri("no-such-prefix")))).isEmpty();
        assertThatThrownBy(() -> storage.inspect(SAVEPOINTS + "/savepoint-000000-000000000000"))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.reason()).isEqualTo(SnapshotException.Reason.SNAPSHOT_NOT_FOUND));
    }

    @Test
    @Order(2)
    void aJobRestoredFromTheS3SavepointGoesOnCounting(@InjectClusterClient ClusterClient<?> client) throws Exception {
        JobID restored = client.submitJob(CountingJob.jobGraph("s3-restored", CHECKPOINTS, savepoint)).get(30, TimeUnit.SECONDS);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> CountingJob.firstCounts("s3-restored").size() == CountingJob.KEYS);
        } finally {
            client.cancel(restored).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.getJobStatus(restored).get() == JobStatus.CANCELED);
        }

        // each key's first count follows the count the savepoint holds, which lies between what the first job
        // had emitted when the savepoint was triggered and when it completed; a job that started afresh would emit 1
        Map<Integer, Long> first = CountingJob.firstCounts("s3-restored");
        for (int key = 0; key < CountingJob.KEYS; key++) {
            assertThat(countsBeforeSavepoint.get(key)).as("key %s counted before the savepoint", key).isPositive();
            assertThat(first.get(key)).as("first count of key %s after the restore", key)
                    .isBetween(countsBeforeSavepoint.get(key) + 1, countsAfterSavepoint.get(key) + 1);
        }
    }

    @Test
    @Order(3)
    void cleanupDeletesTheOlderSavepointFromS3() throws Exception {
        List<SnapshotInfo> listed = storage.list(List.of(SAVEPOINTS, CHECKPOINTS));
        RetentionPlan plan = RetentionPolicy.plan(listed, RetentionRules.keepLast(1), Set.of(), Instant.now());
        assertThat(plan.toDelete()).extracting(delete -> delete.snapshot().path()).contains(SnapshotPaths.normalize(savepoint));

        long bytesBefore = S3.objectBytes("");
        CleanupReport report = new SnapshotCleaner(storage).apply(plan, false);

        assertThat(report.failures()).isEmpty();
        assertThat(report.deleted()).hasSize(plan.toDelete().size());
        assertThat(report.bytesFreed()).isPositive().isEqualTo(plan.bytesToFree()).isEqualTo(bytesBefore - S3.objectBytes(""));
        assertThat(S3.objectBytes(key(SnapshotPaths.normalize(savepoint)) + "/")).isZero();
        List<SnapshotInfo> after = storage.list(List.of(SAVEPOINTS, CHECKPOINTS));
        assertThat(after).extracting(SnapshotInfo::path)
                .doesNotContain(SnapshotPaths.normalize(savepoint))
                .containsExactlyInAnyOrderElementsOf(plan.kept().stream().map(keep -> keep.snapshot().path()).toList());
        assertThatThrownBy(() -> storage.inspect(savepoint))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.reason()).isEqualTo(SnapshotException.Reason.SNAPSHOT_NOT_FOUND));
    }

    private static List<Long> completeCheckpointIds(JobID job) throws Exception {
        return storage.list(List.of(CHECKPOINTS)).stream()
                .filter(s -> s.complete() && job.toHexString().equals(s.jobId()))
                .map(SnapshotInfo::checkpointId)
                .toList();
    }

    private static String key(SnapshotInfo snapshot) {
        return key(snapshot.path());
    }

    /** The object key prefix of an {@code s3://bucket/...} path. */
    private static String key(String path) {
        return path.substring(("s3://" + BUCKET + "/").length());
    }
}
