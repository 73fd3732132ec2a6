package io.tidemark.snapshot.retention;

import io.tidemark.snapshot.storage.SnapshotInfo;

import java.util.List;
import java.util.Objects;

/**
 * What a cleanup did: what it deleted and how many bytes that freed, what it left because it had changed
 * since the listing, and what it failed to delete (with why, on one line). A failure to delete one
 * snapshot does not stop the others; the command that ran the cleanup decides from {@link #failures()}
 * how it ends.
 *
 * @param dryRun nothing was touched: {@code deleted} lists what would have been deleted, with listed sizes
 * @param deleted the snapshots deleted, in the order they were deleted (oldest first)
 * @param skipped the snapshots the plan named but the cleaner left alone
 * @param failures the snapshots that could not be deleted
 */
public record CleanupReport(boolean dryRun, List<Deleted> deleted, List<Skipped> skipped, List<Failure> failures) {

    public CleanupReport {
        deleted = List.copyOf(deleted);
        skipped = List.copyOf(skipped);
        failures = List.copyOf(failures);
    }

    /** The bytes the deletions freed (in a dry run: would free). */
    public long bytesFreed() {
        return deleted.stream().mapToLong(Deleted::bytesFreed).sum();
    }

    /** Whether every snapshot the plan named was deleted or rightly left alone. */
    public boolean succeeded() {
        return failures.isEmpty();
    }

    /** A deleted snapshot and the bytes its files took. */
    public record Deleted(SnapshotInfo snapshot, long bytesFreed) {
        public Deleted {
            Objects.requireNonNull(snapshot, "snapshot cannot be null");
        }
    }

    /** A snapshot left alone, and why (it disappeared, or was completed, since it was listed). */
    public record Skipped(SnapshotInfo snapshot, String why) {
        public Skipped {
            Objects.requireNonNull(snapshot, "snapshot cannot be null");
            Objects.requireNonNull(why, "why cannot be null");
        }
    }

    /** A snapshot that could not be deleted, and the error on one line. */
    public record Failure(SnapshotInfo snapshot, String message) {
        public Failure {
            Objects.requireNonNull(snapshot, "snapshot cannot be null");
            Objects.requireNonNull(message, "message cannot be null");
        }
    }
}
