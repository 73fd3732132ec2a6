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
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Snapshot storage against snapshots a real Flink job wrote to local disk: a counting job checkpoints
 * every 200 ms with retention on cancellation, three savepoints are taken through the cluster client,
 * and the job is cancelled, leaving its last checkpoint. Tests that change storage work on copies.
 */
class SnapshotStorageITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(CountingJob.clusterConfiguration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    static Path history;

    private static final SnapshotStorage STORAGE = new SnapshotStorage();

    private static JobID job;
    /** The savepoints' paths as the cluster reported them, oldest first. */
    private static final List<String> SAVEPOINTS = new ArrayList<>();

    @BeforeAll
    static void writeHistory(@InjectClusterClient ClusterClient<?> client) throws Exception {
        String checkpoints = history.resolve("checkpoints").toUri().toString();
        job = client.submitJob(CountingJob.jobGraph("local-history", checkpoints, null)).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                CountingJob.highestCounts("local-history").size() == CountingJob.KEYS
                        && STORAGE.list(List.of(checkpoints)).stream().anyMatch(SnapshotInfo::complete));
        for (int i = 0; i < 3; i++) {
            SAVEPOINTS.add(client.triggerSavepoint(job, history.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(30, TimeUnit.SECONDS));
        }
        client.cancel(job).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.getJobStatus(job).get() == JobStatus.CANCELED);
    }

    @Test
    void listFindsTheSavepointsAndTheRetainedCheckpointWithTheirJobIdsSizesAndCheckpointIds() throws Exception {
        // one root as a plain path, one as a URI: both are accepted
        List<SnapshotInfo> listed = STORAGE.list(List.of(
                history.resolve("savepoints").toString(), history.resolve("checkpoints").toUri().toString()));

        assertThat(listed).isSortedAccordingTo(SnapshotStorage.NEWEST_FIRST);
        List<SnapshotInfo> savepoints = listed.stream().filter(s -> s.kind() == SnapshotKind.SAVEPOINT).toList();
        List<String> newestSavepointFirst = new ArrayList<>(SAVEPOINTS.stream().map(SnapshotPaths::normalize).toList());
        Collections.reverse(newestSavepointFirst);
        assertThat(savepoints).extracting(SnapshotInfo::path).containsExactlyElementsOf(newestSavepointFirst);
        long previousId = Long.MAX_VALUE;
        for (SnapshotInfo savepoint : savepoints) {
            Path directory = localPath(savepoint);
            assertThat(savepoint.complete()).isTrue();
            assertThat(savepoint.problem()).isNull();
            assertThat(savepoint.jobId()).isNull();
            assertThat(savepoint.jobIdPrefix()).isEqualTo(job.toHexString().substring(0, 6));
            assertThat(savepoint.checkpointId()).isEqualTo(checkpointIdInMetadata(directory)).isLessThan(previousId);
            assertThat(savepoint.sizeBytes()).isEqualTo(bytesOnDisk(directory)).isGreaterThan(Files.size(directory.resolve("_metadata")));
            assertThat(savepoint.time())
                    .isEqualTo(Files.getLastModifiedTime(directory.resolve("_metadata")).toInstant().truncatedTo(ChronoUnit.MILLIS));
            previousId = savepoint.checkpointId();
        }

        List<SnapshotInfo> retained = listed.stream().filter(s -> s.kind() == SnapshotKind.CHECKPOINT && s.complete()).toList();
        assertThat(retained).hasSize(1);
        SnapshotInfo checkpoint = retained.get(0);
        Path directory = localPath(checkpoint);
        assertThat(directory.getParent()).isEqualTo(history.resolve("checkpoints").resolve(job.toHexString()));
        assertThat(checkpoint.jobId()).isEqualTo(job.toHexString());
        assertThat(checkpoint.jobIdPrefix()).isEqualTo(job.toHexString().substring(0, 6));
        assertThat(directory.getFileName().toString()).isEqualTo("chk-" + checkpoint.checkpointId());
        assertThat(checkpoint.checkpointId()).isEqualTo(checkpointIdInMetadata(directory));
        assertThat(checkpoint.sizeBytes()).isEqualTo(bytesOnDisk(directory)).isGreaterThan(Files.size(directory.resolve("_metadata")));

        assertThat(STORAGE.list(List.of(history.resolve("no-such-root").toString()))).isEmpty();
    }

    @Test
    void inspectTellsAMissingPathADirectoryWithoutMetadataAndACorruptMetadataApart(@TempDir Path scratch) throws Exception {
        Path good = copyTree(localPath(SAVEPOINTS.get(0)), scratch);
        SnapshotInfo inspected = STORAGE.inspect(good.toString());
        assertThat(inspected.complete()).isTrue();
        assertThat(inspected.checkpointId()).isEqualTo(checkpointIdInMetadata(good));
        assertThat(STORAGE.inspect(good.resolve("_metadata").toUri().toString())).isEqualTo(inspected);

        Path missing = scratch.resolve("savepoint-000000-000000000000");
        assertThatThrownBy(() -> STORAGE.inspect(missing.toString()))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SnapshotException.Reason.SNAPSHOT_NOT_FOUND);
                    assertThat(e.getMessage()).contains(missing.toString()).doesNotContain("\n");
                });

        Path withoutMetadata = Files.createDirectories(scratch.resolve("savepoint-111111-111111111111"));
        Files.writeString(withoutMetadata.resolve("some-state"), "not a snapshot");
        assertThatThrownBy(() -> STORAGE.inspect(withoutMetadata.toString()))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SnapshotException.Reason.NOT_A_SNAPSHOT);
                    assertThat(e.getMessage()).contains("expected file:" + withoutMetadata + "/_metadata").doesNotContain("\n");
                });

        Path truncated = copyTree(localPath(SAVEPOINTS.get(1)), scratch);
        try (RandomAccessFile metadata = new RandomAccessFile(truncated.resolve("_metadata").toFile(), "rw")) {
            metadata.setLength(5);
        }
        assertThatThrownBy(() -> STORAGE.inspect(truncated.toString()))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SnapshotException.Reason.CORRUPT_SNAPSHOT);
                    assertThat(e.getMessage()).contains(truncated.toString()).contains("cannot be read").doesNotContain("\n");
                });

        Path garbage = copyTree(localPath(SAVEPOINTS.get(2)), scratch);
        Files.writeString(garbage.resolve("_metadata"), "this is no checkpoint metadata\nat all\n".repeat(20));
        assertThatThrownBy(() -> STORAGE.inspect(garbage.toString()))
                .isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SnapshotException.Reason.CORRUPT_SNAPSHOT);
                    assertThat(e.getMessage()).contains(garbage.toString()).doesNotContain("\n");
                });

        // the listing shows all of them, the broken ones as incomplete with the reason
        List<SnapshotInfo> listed = STORAGE.list(List.of(scratch.toString()));
        assertThat(listed).extracting(s -> localPath(s).getFileName().toString(), SnapshotInfo::complete)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(good.getFileName().toString(), true),
                        org.assertj.core.groups.Tuple.tuple(withoutMetadata.getFileName().toString(), false),
                        org.assertj.core.groups.Tuple.tuple(truncated.getFileName().toString(), false),
                        org.assertj.core.groups.Tuple.tuple(garbage.getFileName().toString(), false));
        assertThat(listed).filteredOn(s -> !s.complete()).allSatisfy(s -> assertThat(s.problem()).contains("_metadata").doesNotContain("\n"));
    }

    @Test
    void anInterruptedDeletionLeavesAnIncompleteSnapshotThatALaterDeletionFinishes(@TempDir Path scratch) throws Exception {
        Path copy = copyTree(localPath(SAVEPOINTS.get(0)), scratch);
        SnapshotInfo snapshot = STORAGE.inspect(copy.toString());

        STORAGE.deleteMetadata(snapshot);

        SnapshotInfo halfDeleted = single(STORAGE.list(List.of(scratch.toString())));
        assertThat(halfDeleted.path()).isEqualTo(snapshot.path());
        assertThat(halfDeleted.complete()).isFalse();
        assertThat(halfDeleted.problem()).startsWith("no _metadata");
        long remaining = bytesOnDisk(copy);
        assertThat(remaining).isPositive().isEqualTo(halfDeleted.sizeBytes());

        assertThat(STORAGE.delete(halfDeleted)).isEqualTo(remaining);
        assertThat(copy).doesNotExist();
        assertThat(STORAGE.list(List.of(scratch.toString()))).isEmpty();
        assertThatThrownBy(() -> STORAGE.delete(halfDeleted))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.reason()).isEqualTo(SnapshotException.Reason.SNAPSHOT_NOT_FOUND));
    }

    @Test
    void aListingDuringDeletionsNeverSeesAHalfDeletedSnapshotAsComplete(@TempDir Path scratch) throws Exception {
        List<Path> copies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Path target = Files.createDirectories(scratch.resolve("copy-" + i));
            copies.add(copyTree(localPath(SAVEPOINTS.get(i % SAVEPOINTS.size())), target));
        }
        List<String> roots = copies.stream().map(copy -> copy.getParent().toString()).toList();
        List<SnapshotInfo> before = STORAGE.list(roots);
        assertThat(before).hasSize(copies.size()).allMatch(SnapshotInfo::complete);
        Set<String> fullSizes = before.stream().map(s -> s.path() + "=" + s.sizeBytes()).collect(Collectors.toSet());

        AtomicBoolean deleting = new AtomicBoolean(true);
        List<String> seenComplete = new CopyOnWriteArrayList<>();
        List<Throwable> listingFailures = new CopyOnWriteArrayList<>();
        Thread lister = new Thread(() -> {
            while (deleting.get()) {
                try {
                    STORAGE.list(roots).stream().filter(SnapshotInfo::complete).forEach(s -> seenComplete.add(s.path() + "=" + s.sizeBytes()));
                } catch (Throwable e) {
                    listingFailures.add(e);
                }
            }
        });
        lister.start();
        long freed = 0;
        for (SnapshotInfo snapshot : before) {
            freed += STORAGE.delete(snapshot);
        }
        deleting.set(false);
        lister.join();

        assertThat(listingFailures).isEmpty();
        assertThat(fullSizes).containsAll(seenComplete);
        assertThat(freed).isEqualTo(before.stream().mapToLong(SnapshotInfo::sizeBytes).sum());
        assertThat(STORAGE.list(roots)).isEmpty();
    }

    @Test
    void deleteRefusesADirectoryThatIsNeitherASavepointNorACheckpoint(@TempDir Path scratch) throws Exception {
        Path precious = copyTree(localPath(SAVEPOINTS.get(0)), scratch);
        Path renamed = Files.move(precious, scratch.resolve("precious"));
        SnapshotInfo snapshot = STORAGE.inspect(renamed.toString());
        assertThat(single(STORAGE.list(List.of(scratch.toString()))).path()).isEqualTo(snapshot.path());

        assertThatThrownBy(() -> STORAGE.delete(snapshot))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only savepoint-* and chk-<n> directories");
        assertThat(renamed.resolve("_metadata")).exists();
    }

    @Test
    void cleanerKeepsTheNewestCompleteAndTheSnapshotInUseAndFreesWhatItReports(@TempDir Path scratch) throws Exception {
        copyTree(history.resolve("savepoints"), scratch);
        copyTree(history.resolve("checkpoints"), scratch);
        List<String> roots = List.of(scratch.resolve("savepoints").toString(), scratch.resolve("checkpoints").toString());
        Path abandoned = Files.createDirectories(scratch.resolve("savepoints").resolve("savepoint-222222-222222222222"));
        Files.writeString(abandoned.resolve("partial-state"), "a savepoint that failed two days ago");
        Files.setLastModifiedTime(abandoned.resolve("partial-state"), FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path beingWritten = Files.createDirectories(scratch.resolve("savepoints").resolve("savepoint-333333-333333333333"));
        Files.writeString(beingWritten.resolve("partial-state"), "a savepoint being written now");

        List<SnapshotInfo> listed = STORAGE.list(roots);
        SnapshotInfo newestComplete = listed.stream().filter(SnapshotInfo::complete).findFirst().orElseThrow();
        Path oldestSavepoint = scratch.resolve("savepoints").resolve(localPath(SAVEPOINTS.get(0)).getFileName());
        // the running job reports its restore path spelled its own way
        String inUse = "file://" + oldestSavepoint + "/";
        RetentionPlan plan = RetentionPolicy.plan(listed, RetentionRules.keepLast(1), Set.of(inUse), Instant.now());

        // kept: the newest complete, the one in use, and what may still be being written: the savepoint started
        // just now and any checkpoint the cancelled job left unfinished
        List<String> expectedKept = new ArrayList<>(List.of(newestComplete.path(), SnapshotPaths.normalize(oldestSavepoint.toString())));
        listed.stream().filter(s -> !s.complete() && !s.path().equals(SnapshotPaths.normalize(abandoned.toString())))
                .forEach(s -> expectedKept.add(s.path()));
        assertThat(expectedKept).contains(SnapshotPaths.normalize(beingWritten.toString()));
        assertThat(plan.kept()).extracting(keep -> keep.snapshot().path()).containsExactlyInAnyOrderElementsOf(expectedKept);
        assertThat(plan.toDelete()).extracting(delete -> delete.snapshot().path())
                .contains(SnapshotPaths.normalize(abandoned.toString()))
                .hasSize(listed.size() - expectedKept.size())
                .hasSizeGreaterThanOrEqualTo(3);

        SnapshotCleaner cleaner = new SnapshotCleaner(STORAGE);
        long bytesBefore = bytesOnDisk(scratch);
        CleanupReport dryRun = cleaner.apply(plan, true);
        assertThat(dryRun.deleted()).extracting(d -> d.snapshot().path())
                .containsExactlyElementsOf(plan.toDelete().stream().map(d -> d.snapshot().path()).toList());
        assertThat(dryRun.bytesFreed()).isEqualTo(plan.bytesToFree());
        assertThat(bytesOnDisk(scratch)).isEqualTo(bytesBefore);

        CleanupReport report = cleaner.apply(plan, false);

        assertThat(report.failures()).isEmpty();
        assertThat(report.skipped()).isEmpty();
        assertThat(report.deleted()).extracting(d -> d.snapshot().path())
                .containsExactlyElementsOf(plan.toDelete().stream().map(d -> d.snapshot().path()).toList());
        assertThat(report.bytesFreed()).isPositive().isEqualTo(bytesBefore - bytesOnDisk(scratch)).isEqualTo(plan.bytesToFree());
        assertThat(STORAGE.list(roots)).extracting(SnapshotInfo::path)
                .containsExactlyInAnyOrderElementsOf(plan.kept().stream().map(k -> k.snapshot().path()).toList());

        CleanupReport again = cleaner.apply(plan, false);
        assertThat(again.deleted()).isEmpty();
        assertThat(again.failures()).isEmpty();
        assertThat(again.skipped()).hasSize(plan.toDelete().size()).allSatisfy(s -> assertThat(s.why()).contains("disappeared"));
    }

    private static SnapshotInfo single(List<SnapshotInfo> snapshots) {
        assertThat(snapshots).hasSize(1);
        return snapshots.get(0);
    }

    private static Path localPath(SnapshotInfo snapshot) {
        return localPath(snapshot.path());
    }

    private static Path localPath(String uri) {
        return Path.of(java.net.URI.create(SnapshotPaths.normalize(uri)));
    }

    /** What Flink itself reads from the snapshot's {@code _metadata}. */
    private static long checkpointIdInMetadata(Path directory) throws IOException {
        try (InputStream in = Files.newInputStream(directory.resolve("_metadata"));
                DataInputStream data = new DataInputStream(in)) {
            return Checkpoints.loadCheckpointMetadata(data, SnapshotStorageITCase.class.getClassLoader(), directory.toString())
                    .getCheckpointId();
        }
    }

    static long bytesOnDisk(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        }
    }

    /** Copies {@code source} into {@code targetParent}, keeping modification times (the listing orders by them). */
    private static Path copyTree(Path source, Path targetParent) throws IOException {
        Path target = targetParent.resolve(source.getFileName());
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path copy = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }
}
