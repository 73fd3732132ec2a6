package io.tidemark.snapshot.retention;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.storage.SnapshotStorage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries out a {@link RetentionPlan}: deletes its snapshots one at a time, oldest first, so that a
 * cleanup cut short has removed the least valuable ones. Each snapshot is looked at again just before it
 * is deleted: one that has disappeared, or that was incomplete when listed and is complete now (its
 * writer finished), is left alone. The cleaner cannot know whether a job started using a snapshot since
 * the listing; the caller builds the plan as late as it can.
 */
public final class SnapshotCleaner {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCleaner.class);

    private final SnapshotStorage storage;

    public SnapshotCleaner(SnapshotStorage storage) {
        this.storage = Objects.requireNonNull(storage, "storage cannot be null");
    }

    /** Deletes what {@code plan} says to delete, or with {@code dryRun} only reports it. */
    public CleanupReport apply(RetentionPlan plan, boolean dryRun) {
        Objects.requireNonNull(plan, "plan cannot be null");
        List<SnapshotInfo> oldestFirst = new ArrayList<>();
        plan.toDelete().forEach(delete -> oldestFirst.add(delete.snapshot()));
        oldestFirst.sort(SnapshotStorage.NEWEST_FIRST.reversed());

        List<CleanupReport.Deleted> deleted = new ArrayList<>();
        List<CleanupReport.Skipped> skipped = new ArrayList<>();
        List<CleanupReport.Failure> failures = new ArrayList<>();
        for (SnapshotInfo planned : oldestFirst) {
            if (dryRun) {
                deleted.add(new CleanupReport.Deleted(planned, planned.sizeBytes()));
                continue;
            }
            try {
                Optional<SnapshotInfo> current = storage.find(planned.path());
                if (current.isEmpty()) {
                    skipped.add(new CleanupReport.Skipped(planned, "disappeared since it was listed"));
                } else if (current.get().complete() && !planned.complete()) {
                    skipped.add(new CleanupReport.Skipped(planned, "was incomplete when listed and is complete now"));
                } else {
                    deleted.add(new CleanupReport.Deleted(planned, storage.delete(current.get())));
                }
            } catch (SnapshotException e) {
                if (e.reason() == SnapshotException.Reason.SNAPSHOT_NOT_FOUND) {
                    skipped.add(new CleanupReport.Skipped(planned, "disappeared since it was listed"));
                } else {
                    failures.add(failure(planned, e));
                }
            } catch (Exception e) {
                failures.add(failure(planned, e));
            }
        }
        return new CleanupReport(dryRun, deleted, skipped, failures);
    }

    private static CleanupReport.Failure failure(SnapshotInfo snapshot, Exception e) {
        LOG.warn("Could not delete {}", snapshot.path(), e);
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return new CleanupReport.Failure(snapshot, message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip());
    }
}
