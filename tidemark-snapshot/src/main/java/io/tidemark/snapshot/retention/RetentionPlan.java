package io.tidemark.snapshot.retention;

import io.tidemark.snapshot.storage.SnapshotInfo;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a cleanup would do, decided before anything is touched: every snapshot of the listing is either
 * kept (with why) or deleted (with why). A dry run shows it; {@link SnapshotCleaner} carries it out.
 *
 * @param kept the snapshots kept, newest first
 * @param toDelete the snapshots to delete, oldest first (the order they are deleted in)
 * @param bytesToFree the sum of the sizes of {@code toDelete}
 */
public record RetentionPlan(List<Keep> kept, List<Delete> toDelete, long bytesToFree) {

    public RetentionPlan {
        kept = List.copyOf(kept);
        toDelete = List.copyOf(toDelete);
    }

    /** A snapshot that stays, and every rule that keeps it, in {@link KeepReason}'s order (output is stable). */
    public record Keep(SnapshotInfo snapshot, Set<KeepReason> reasons) {
        public Keep {
            Objects.requireNonNull(snapshot, "snapshot cannot be null");
            if (reasons.isEmpty()) {
                throw new IllegalArgumentException("a kept snapshot needs a reason: " + snapshot.path());
            }
            // Set.copyOf iterates in an order that changes from one JVM to the next
            reasons = java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(reasons));
        }
    }

    /** A snapshot no rule keeps, and why, in words for a user (e.g. "complete, 40d old, not among the 3 newest"). */
    public record Delete(SnapshotInfo snapshot, String why) {
        public Delete {
            Objects.requireNonNull(snapshot, "snapshot cannot be null");
            Objects.requireNonNull(why, "why cannot be null");
        }
    }
}
