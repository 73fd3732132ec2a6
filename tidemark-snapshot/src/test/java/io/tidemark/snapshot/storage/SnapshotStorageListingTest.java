package io.tidemark.snapshot.storage;

import io.tidemark.snapshot.SnapshotKind;

import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The listing reads directories and {@code _metadata} files on a bounded pool: whatever the parallelism, it
 * finds the same snapshots with the same ids, sizes and problems, in the same order.
 */
class SnapshotStorageListingTest {

    private static final int JOBS = 5;
    private static final int CHECKPOINTS_PER_JOB = 30;
    private static final int SAVEPOINTS = 60;

    @Test
    void aParallelListingFindsWhatAListingOneDirectoryAtATimeFinds(@TempDir Path root) throws Exception {
        Path savepoints = Files.createDirectories(root.resolve("savepoints"));
        Path checkpoints = Files.createDirectories(root.resolve("checkpoints"));
        List<String> expectedComplete = new ArrayList<>();
        for (int job = 0; job < JOBS; job++) {
            String jobId = String.format(Locale.ROOT, "%06x", job) + "0".repeat(26);
            Path jobDirectory = checkpoints.resolve(jobId);
            Files.createDirectories(jobDirectory.resolve("shared"));
            Files.createDirectories(jobDirectory.resolve("taskowned"));
            for (int n = 1; n <= CHECKPOINTS_PER_JOB; n++) {
                expectedComplete.add(writeSnapshot(jobDirectory.resolve("chk-" + n), n).toUri().toString());
            }
        }
        for (int s = 0; s < SAVEPOINTS; s++) {
            String name = String.format(Locale.ROOT, "savepoint-%06x-%012x", s % JOBS, s);
            expectedComplete.add(writeSnapshot(savepoints.resolve(name), 1000 + s).toUri().toString());
        }
        // what the listing must tell apart, also in parallel: no _metadata, a corrupt one, and a directory whose
        // name says nothing, with and without a _metadata
        Files.createDirectories(savepoints.resolve("savepoint-000000-00000000dead"));
        Files.writeString(Files.createDirectories(savepoints.resolve("savepoint-000000-0000000bad00")).resolve("_metadata"), "garbage");
        writeSnapshot(savepoints.resolve("copied-by-hand"), 7);
        Files.createDirectories(savepoints.resolve("unrelated"));

        List<String> roots = List.of(savepoints.toUri().toString(), checkpoints.toUri().toString());
        List<SnapshotInfo> oneAtATime = new SnapshotStorage(1).list(roots);
        List<SnapshotInfo> parallel = new SnapshotStorage(SnapshotStorage.DEFAULT_PARALLELISM).list(roots);

        assertThat(parallel).isEqualTo(oneAtATime);
        assertThat(parallel).hasSize(JOBS * CHECKPOINTS_PER_JOB + SAVEPOINTS + 3);
        assertThat(parallel).filteredOn(SnapshotInfo::complete).extracting(SnapshotInfo::path)
                .containsAll(expectedComplete.stream().map(SnapshotPaths::normalize).toList())
                .hasSize(expectedComplete.size() + 1);
        assertThat(parallel).filteredOn(s -> !s.complete()).extracting(s -> Path.of(java.net.URI.create(s.path())).getFileName().toString())
                .containsExactlyInAnyOrder("savepoint-000000-00000000dead", "savepoint-000000-0000000bad00");
        assertThat(parallel).filteredOn(s -> s.kind() == SnapshotKind.CHECKPOINT)
                .hasSize(JOBS * CHECKPOINTS_PER_JOB)
                .allSatisfy(s -> assertThat(s.path()).endsWith("/chk-" + s.checkpointId()));
    }

    @Test
    void aParallelismBelowOneIsRefused() {
        assertThatThrownBy(() -> new SnapshotStorage(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }

    private static Path writeSnapshot(Path directory, long checkpointId) throws Exception {
        Files.createDirectories(directory);
        try (OutputStream out = Files.newOutputStream(directory.resolve(SnapshotStorage.METADATA_FILE))) {
            Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(checkpointId, List.of(), List.of()), out);
        }
        return directory;
    }
}
