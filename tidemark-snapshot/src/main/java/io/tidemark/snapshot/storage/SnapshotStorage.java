package io.tidemark.snapshot.storage;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotKind;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Savepoints and retained checkpoints as they lie in storage, read and deleted directly through
 * Flink's own {@link FileSystem} so that {@code file:} and {@code s3://} (or any scheme Flink has a
 * file system for) behave the same. It needs no cluster: it finds snapshots that no running job knows
 * of, including ones no Tidemark command created, and tells a complete snapshot (one Flink can restore
 * from) from an incomplete or corrupt one by reading its {@code _metadata} as Flink does.
 *
 * <p>Flink's file systems are configured once per JVM ({@link FileSystem#initialize}); {@link #create}
 * does that from a configuration holding, for S3, {@code s3.endpoint}, {@code s3.access-key},
 * {@code s3.secret-key} and {@code s3.path.style.access}.
 */
public final class SnapshotStorage {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStorage.class);

    /** The file Flink writes last when a snapshot completes; a snapshot without it cannot be restored. */
    public static final String METADATA_FILE = "_metadata";

    private static final Pattern SAVEPOINT_DIRECTORY = Pattern.compile("savepoint-([0-9a-f]{6})-[0-9a-f]+|savepoint-.+");
    private static final Pattern CHECKPOINT_DIRECTORY = Pattern.compile("chk-(\\d+)");
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");
    private static final int MAX_PROBLEM_LENGTH = 300;
    private static final int METADATA_BUFFER_BYTES = 64 * 1024;

    /**
     * How many directories {@link #list} lists, and how many {@code _metadata} files it reads, at once. On S3
     * each is a round trip or two, mostly waiting; 16 keep well inside S3A's connection pool (Hadoop's default
     * {@code fs.s3a.connection.maximum}: 96) and leave room for a job's own requests to the same bucket.
     */
    public static final int DEFAULT_PARALLELISM = 16;

    private final ClassLoader classLoader;
    private final int parallelism;

    /** A storage over the file systems already initialized in this JVM (by Flink, or by the caller). */
    public SnapshotStorage() {
        this(DEFAULT_PARALLELISM);
    }

    /**
     * Like {@link #SnapshotStorage()}, with {@code parallelism} directories listed and {@code _metadata} files
     * read at once by {@link #list} (1: one after the other).
     */
    public SnapshotStorage(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, not " + parallelism);
        }
        this.classLoader = SnapshotStorage.class.getClassLoader();
        this.parallelism = parallelism;
    }

    /**
     * Initializes Flink's file systems for this JVM from {@code configuration} (file systems on the class
     * path, and plugins from Flink's plugins folder, {@code $FLINK_PLUGINS_DIR} or {@code ./plugins}, if
     * there is one), and returns a storage over them.
     */
    public static SnapshotStorage create(Configuration configuration) {
        Objects.requireNonNull(configuration, "configuration cannot be null");
        FileSystem.initialize(configuration, PluginUtils.createPluginManagerFromRootFolder(configuration));
        return new SnapshotStorage();
    }

    /**
     * The snapshots under each root directory, newest first: savepoints ({@code savepoint-*} directories
     * directly under the root), retained checkpoints ({@code <root>/<32-hex job id>/chk-<n>}, or
     * {@code <root>/chk-<n>} when the root is a job's checkpoint directory), and any other directory directly
     * under the root that holds a {@code _metadata} (listed as a savepoint, but not one {@link #delete} will
     * delete: its name does not say Flink wrote it). Incomplete and corrupt snapshots are listed too, marked
     * so. A root that does not exist contributes nothing; a snapshot reached from two roots is listed once.
     */
    public List<SnapshotInfo> list(Collection<String> roots) throws IOException {
        // Three steps, the second and third on a bounded pool: on an object store every directory listed and
        // every _metadata read is a round trip or two (S3A: a LIST per directory, a HEAD and a GET per file), so
        // 10,000 snapshots are 30,000 requests, and one after the other they add up every request's latency.
        List<Candidate> candidates = new ArrayList<>();
        List<Candidate> jobDirectories = new ArrayList<>();
        for (String root : roots) {
            Path rootPath = SnapshotPaths.toFlinkPath(root);
            FileSystem fs = rootPath.getFileSystem();
            boolean rootIsJobDirectory = JOB_ID.matcher(rootPath.getName()).matches();
            for (FileStatus child : listOrEmpty(fs, rootPath)) {
                if (!child.isDir()) {
                    continue;
                }
                String name = child.getPath().getName();
                if (SAVEPOINT_DIRECTORY.matcher(name).matches()
                        || (rootIsJobDirectory && CHECKPOINT_DIRECTORY.matcher(name).matches())) {
                    candidates.add(new Candidate(fs, child, false));
                } else if (JOB_ID.matcher(name).matches()) {
                    jobDirectories.add(new Candidate(fs, child, false));
                } else {
                    candidates.add(new Candidate(fs, child, true));
                }
            }
        }
        for (List<Candidate> checkpoints : inParallel(jobDirectories, SnapshotStorage::checkpointsOf)) {
            candidates.addAll(checkpoints);
        }
        Map<String, SnapshotInfo> found = new LinkedHashMap<>();
        for (Optional<SnapshotInfo> info : inParallel(candidates, this::examineCandidate)) {
            info.ifPresent(snapshot -> add(found, snapshot));
        }
        List<SnapshotInfo> snapshots = new ArrayList<>(found.values());
        snapshots.sort(NEWEST_FIRST);
        return snapshots;
    }

    /**
     * A directory that may be a snapshot; {@code onlyWithMetadata} for one whose name does not say Flink wrote it,
     * which is a snapshot only if it holds a {@code _metadata}.
     */
    private record Candidate(FileSystem fs, FileStatus status, boolean onlyWithMetadata) {}

    private static List<Candidate> checkpointsOf(Candidate jobDirectory) throws IOException {
        List<Candidate> checkpoints = new ArrayList<>();
        for (FileStatus grandchild : listOrEmpty(jobDirectory.fs(), jobDirectory.status().getPath())) {
            if (grandchild.isDir() && CHECKPOINT_DIRECTORY.matcher(grandchild.getPath().getName()).matches()) {
                checkpoints.add(new Candidate(jobDirectory.fs(), grandchild, false));
            }
        }
        return checkpoints;
    }

    private Optional<SnapshotInfo> examineCandidate(Candidate candidate) throws IOException {
        if (candidate.onlyWithMetadata() && !candidate.fs().exists(new Path(candidate.status().getPath(), METADATA_FILE))) {
            return Optional.empty();
        }
        return Optional.of(examine(candidate.fs(), candidate.status()));
    }

    /** {@code work} applied to every item, at most {@link #parallelism} at a time, the results in the items' order. */
    private <T, R> List<R> inParallel(List<T> items, ParallelIo.IoFunction<T, R> work) throws IOException {
        return ParallelIo.map(items, parallelism, work);
    }

    /**
     * Newest first. S3 gives modification times to the second, so a savepoint and a checkpoint of one job can
     * share a time: equal times go by checkpoint id, higher first (a job's savepoints and checkpoints share one
     * counter), then by path, so that the order never depends on the storage's.
     */
    public static final Comparator<SnapshotInfo> NEWEST_FIRST = Comparator.comparing(SnapshotInfo::time)
            .thenComparing(SnapshotInfo::checkpointId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .reversed()
            .thenComparing(SnapshotInfo::path);

    /**
     * One snapshot, which must be complete: {@code path} is its directory or the {@code _metadata} in it, as a
     * URI or a plain local path.
     *
     * @throws SnapshotException {@link SnapshotException.Reason#SNAPSHOT_NOT_FOUND} if nothing is there,
     *     {@link SnapshotException.Reason#NOT_A_SNAPSHOT} if there is no {@code _metadata},
     *     {@link SnapshotException.Reason#CORRUPT_SNAPSHOT} if Flink cannot read the {@code _metadata}
     */
    public SnapshotInfo inspect(String path) throws IOException, SnapshotException {
        Path directory = snapshotDirectory(path);
        FileSystem fs = directory.getFileSystem();
        FileStatus status = statusOrNull(fs, directory);
        if (status == null) {
            throw new SnapshotException(
                    SnapshotException.Reason.SNAPSHOT_NOT_FOUND, "No snapshot at " + directory + ": nothing exists there");
        }
        Path metadata = new Path(directory, METADATA_FILE);
        if (!status.isDir()) {
            throw new SnapshotException(
                    SnapshotException.Reason.NOT_A_SNAPSHOT,
                    directory + " is a file, not a snapshot: expected a directory holding " + metadata);
        }
        // before walking the directory: a user who names a whole checkpoint root should hear at once that it is none
        if (!fs.exists(metadata)) {
            throw new SnapshotException(
                    SnapshotException.Reason.NOT_A_SNAPSHOT,
                    directory + " is not a snapshot: expected " + metadata + ", which does not exist");
        }
        SnapshotInfo examined = examine(fs, status);
        if (!examined.complete()) {
            throw new SnapshotException(
                    SnapshotException.Reason.CORRUPT_SNAPSHOT, "Snapshot " + directory + " is corrupt: " + examined.problem());
        }
        return examined;
    }

    /**
     * What the complete snapshot at {@code path} holds, as Flink's {@code Checkpoints} reads its
     * {@code _metadata}: each operator's state (by operator id), parallelism and max parallelism.
     *
     * @throws SnapshotException as {@link #inspect} does
     */
    public CheckpointMetadata metadata(String path) throws IOException, SnapshotException {
        inspect(path);
        Path directory = snapshotDirectory(path);
        FileSystem fs = directory.getFileSystem();
        try (InputStream in = fs.open(new Path(directory, METADATA_FILE));
                DataInputStream data = new DataInputStream(new BufferedInputStream(in, METADATA_BUFFER_BYTES))) {
            return Checkpoints.loadCheckpointMetadata(data, classLoader, directory.toString());
        }
    }

    /**
     * The snapshot at {@code path} as {@link #list} would describe it, complete or not; empty if nothing
     * exists there. Unlike {@link #inspect}, an incomplete snapshot is an answer, not a failure: this is how
     * a cleaner checks, just before deleting, that what it planned to delete is still what it saw.
     */
    public Optional<SnapshotInfo> find(String path) throws IOException {
        Path directory = snapshotDirectory(path);
        FileSystem fs = directory.getFileSystem();
        FileStatus status = statusOrNull(fs, directory);
        if (status == null) {
            return Optional.empty();
        }
        if (!status.isDir()) {
            return Optional.of(new SnapshotInfo(
                    directory.toString(), kindOf(directory), null, null, null, Instant.ofEpochMilli(status.getModificationTime()),
                    status.getLen(), false, "a file, not a snapshot directory"));
        }
        return Optional.of(examine(fs, status));
    }

    /**
     * Deletes one snapshot and returns the bytes freed (the sizes of the files that were under it). The
     * {@code _metadata} goes first, so that a deletion cut short leaves an incomplete snapshot, never one
     * that lists as complete but lacks state; a later cleanup removes the rest. A checkpoint's shared state
     * ({@code <job id>/shared/}) is left alone: other checkpoints of the job may refer to it.
     *
     * @throws IllegalArgumentException if the path is not a {@code savepoint-*} or {@code chk-<n>} directory:
     *     nothing else is deleted, whatever it holds
     * @throws SnapshotException {@link SnapshotException.Reason#SNAPSHOT_NOT_FOUND} if nothing is there
     */
    public long delete(SnapshotInfo snapshot) throws IOException, SnapshotException {
        Path directory = deletableDirectory(snapshot);
        FileSystem fs = directory.getFileSystem();
        FileStatus status = statusOrNull(fs, directory);
        if (status == null) {
            throw new SnapshotException(
                    SnapshotException.Reason.SNAPSHOT_NOT_FOUND, "No snapshot at " + directory + ": nothing to delete");
        }
        if (!status.isDir()) {
            throw new IllegalArgumentException("Refusing to delete " + directory + ": it is a file, not a snapshot directory");
        }
        long bytes = 0;
        for (FileStatus file : filesUnder(fs, directory)) {
            bytes += file.getLen();
        }
        deleteMetadata(snapshot);
        fs.delete(directory, true);
        if (fs.exists(directory)) {
            throw new IOException("Deleted " + directory + " but it still exists");
        }
        LOG.info("Deleted {} ({} bytes)", directory, bytes);
        return bytes;
    }

    /**
     * The first step of {@link #delete}: removes the {@code _metadata}, after which the snapshot lists as
     * incomplete. Visible to tests, which stop here to see what an interrupted deletion leaves.
     */
    void deleteMetadata(SnapshotInfo snapshot) throws IOException {
        Path directory = deletableDirectory(snapshot);
        directory.getFileSystem().delete(new Path(directory, METADATA_FILE), false);
    }

    private static Path deletableDirectory(SnapshotInfo snapshot) {
        Path directory = SnapshotPaths.toFlinkPath(snapshot.path());
        String name = directory.getName();
        if (!name.startsWith("savepoint-") && !CHECKPOINT_DIRECTORY.matcher(name).matches()) {
            throw new IllegalArgumentException("Refusing to delete " + directory
                    + ": only savepoint-* and chk-<n> directories are deleted, and this is neither");
        }
        return directory;
    }

    private SnapshotInfo examine(FileSystem fs, FileStatus directoryStatus) throws IOException {
        Path directory = SnapshotPaths.toFlinkPath(directoryStatus.getPath().toString());
        String name = directory.getName();
        SnapshotKind kind = kindOf(directory);

        String jobId = null;
        String jobIdPrefix = null;
        Long idFromName = null;
        Matcher checkpoint = CHECKPOINT_DIRECTORY.matcher(name);
        Matcher savepoint = SAVEPOINT_DIRECTORY.matcher(name);
        if (checkpoint.matches()) {
            idFromName = Long.parseLong(checkpoint.group(1));
            Path parent = directory.getParent();
            if (parent != null && JOB_ID.matcher(parent.getName()).matches()) {
                jobId = parent.getName();
                jobIdPrefix = jobId.substring(0, 6);
            }
        } else if (savepoint.matches()) {
            jobIdPrefix = savepoint.group(1);
        }

        long size = 0;
        long newest = Long.MIN_VALUE;
        FileStatus metadataStatus = null;
        for (FileStatus child : listOrEmpty(fs, directory)) {
            if (!child.isDir() && child.getPath().getName().equals(METADATA_FILE)) {
                metadataStatus = child;
            }
            for (FileStatus file : child.isDir() ? filesUnder(fs, child.getPath()) : List.of(child)) {
                size += file.getLen();
                newest = Math.max(newest, file.getModificationTime());
            }
        }
        if (newest == Long.MIN_VALUE) {
            newest = directoryStatus.getModificationTime();
        }

        if (metadataStatus == null) {
            return new SnapshotInfo(
                    directory.toString(), kind, jobId, jobIdPrefix, idFromName, Instant.ofEpochMilli(newest), size, false,
                    "no " + METADATA_FILE + ": still being written, or abandoned");
        }
        Instant time = Instant.ofEpochMilli(metadataStatus.getModificationTime());
        Long checkpointId = idFromName;
        String problem = null;
        try {
            checkpointId = readCheckpointId(fs, metadataStatus.getPath(), directory);
        } catch (IOException | RuntimeException e) {
            problem = metadataStatus.getPath() + " cannot be read by Flink: " + oneLine(e);
            LOG.debug("Cannot read {}", metadataStatus.getPath(), e);
        }
        return new SnapshotInfo(directory.toString(), kind, jobId, jobIdPrefix, checkpointId, time, size, problem == null, problem);
    }

    private long readCheckpointId(FileSystem fs, Path metadata, Path directory) throws IOException {
        // buffered: Flink reads the file a few bytes at a time, and each read of an S3A stream is a synchronized
        // call that updates statistics
        try (InputStream in = fs.open(metadata);
                DataInputStream data = new DataInputStream(new BufferedInputStream(in, METADATA_BUFFER_BYTES))) {
            CheckpointMetadata loaded = Checkpoints.loadCheckpointMetadata(data, classLoader, directory.toString());
            return loaded.getCheckpointId();
        }
    }

    private static SnapshotKind kindOf(Path directory) {
        return CHECKPOINT_DIRECTORY.matcher(directory.getName()).matches() ? SnapshotKind.CHECKPOINT : SnapshotKind.SAVEPOINT;
    }

    /** The snapshot directory a user named: the path itself, or its parent if it names the {@code _metadata}. */
    private static Path snapshotDirectory(String path) {
        Path given = SnapshotPaths.toFlinkPath(path);
        if (given.getName().equals(METADATA_FILE) && given.getParent() != null) {
            return given.getParent();
        }
        return given;
    }

    private static List<FileStatus> filesUnder(FileSystem fs, Path directory) throws IOException {
        List<FileStatus> files = new ArrayList<>();
        for (FileStatus status : listOrEmpty(fs, directory)) {
            if (status.isDir()) {
                files.addAll(filesUnder(fs, status.getPath()));
            } else {
                files.add(status);
            }
        }
        return files;
    }

    private static FileStatus[] listOrEmpty(FileSystem fs, Path directory) throws IOException {
        try {
            FileStatus[] children = fs.listStatus(directory);
            return children == null ? new FileStatus[0] : children;
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        }
    }

    @Nullable
    private static FileStatus statusOrNull(FileSystem fs, Path path) throws IOException {
        try {
            return fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    private static void add(Map<String, SnapshotInfo> found, SnapshotInfo info) {
        found.putIfAbsent(info.path(), info);
    }

    /** A failure's message on one line, short enough for a table cell or a log line. */
    static String oneLine(Throwable failure) {
        String message = failure.getMessage();
        if (failure instanceof EOFException && (message == null || message.isBlank())) {
            message = "the file ends early (truncated?)";
        } else if (message == null || message.isBlank()) {
            message = failure.getClass().getSimpleName();
        }
        String line = message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return line.length() <= MAX_PROBLEM_LENGTH ? line : line.substring(0, MAX_PROBLEM_LENGTH - 3) + "...";
    }
}
