package io.tidemark.snapshot.retention;

import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.storage.SnapshotPaths;
import io.tidemark.snapshot.storage.SnapshotStorage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides which snapshots a cleanup deletes, without touching storage: the same listing, rules, in-use
 * set and clock always give the same plan, so a dry run shows exactly what a real run would do.
 *
 * <p>The rules are keep rules (as in restic and borg): a snapshot is kept if any of these holds, and
 * deleted otherwise.
 *
 * <ol>
 *   <li>its path is in the in-use set: the snapshot a running job restored from, or a running job's own
 *       checkpoints (paths are compared after {@link SnapshotPaths#normalize}, so {@code file:///x/} and
 *       {@code file:/x} are the same);
 *   <li>it is the newest complete snapshot of the whole listing, so that there is always one to restore from;
 *   <li>it is among the {@code keepLast} newest complete snapshots;
 *   <li>it is younger than {@code maxAge} (complete or not);
 *   <li>it is incomplete and younger than {@code incompleteGrace}: Flink may still be writing it;
 *   <li>it is complete and the rules are {@code --incomplete}, which deletes abandoned snapshots only.
 * </ol>
 *
 * <p>So with only {@code keepLast}, complete snapshots beyond the newest N are deleted whatever their age;
 * with only {@code maxAge}, everything older is deleted except what is in use and the newest complete one.
 * Incomplete snapshots (no {@code _metadata}, or one Flink cannot read) never count toward {@code keepLast}:
 * a failed savepoint must not push a good one out. Age is {@code now} minus {@link SnapshotInfo#time()};
 * "younger than" is strict. "Newest" is in the order of {@link SnapshotStorage#NEWEST_FIRST} (snapshots of the
 * same second, as S3 reports times, go by checkpoint id).
 */
public final class RetentionPolicy {

    private RetentionPolicy() {}

    /** The plan for {@code snapshots} (in any order) under {@code rules} at {@code now}. */
    public static RetentionPlan plan(List<SnapshotInfo> snapshots, RetentionRules rules, Collection<String> inUsePaths, Instant now) {
        Objects.requireNonNull(snapshots, "snapshots cannot be null");
        Objects.requireNonNull(rules, "rules cannot be null");
        Objects.requireNonNull(inUsePaths, "inUsePaths cannot be null");
        Objects.requireNonNull(now, "now cannot be null");

        Set<String> inUse = inUsePaths.stream().map(SnapshotPaths::normalize).collect(Collectors.toSet());
        List<SnapshotInfo> newestFirst = new ArrayList<>(snapshots);
        newestFirst.sort(SnapshotStorage.NEWEST_FIRST);

        List<RetentionPlan.Keep> kept = new ArrayList<>();
        List<RetentionPlan.Delete> toDelete = new ArrayList<>();
        int completeSeen = 0;
        for (SnapshotInfo snapshot : newestFirst) {
            Duration age = Duration.between(snapshot.time(), now);
            EnumSet<KeepReason> reasons = EnumSet.noneOf(KeepReason.class);
            if (inUse.contains(SnapshotPaths.normalize(snapshot.path()))) {
                reasons.add(KeepReason.IN_USE);
            }
            if (snapshot.complete()) {
                if (completeSeen == 0) {
                    reasons.add(KeepReason.NEWEST_COMPLETE);
                }
                if (rules.keepLast() != null && completeSeen < rules.keepLast()) {
                    reasons.add(KeepReason.KEEP_LAST);
                }
                if (rules.incompleteOnly()) {
                    reasons.add(KeepReason.COMPLETE);
                }
                completeSeen++;
            } else if (age.compareTo(rules.incompleteGrace()) < 0) {
                reasons.add(KeepReason.INCOMPLETE_IN_GRACE);
            }
            if (rules.maxAge() != null && age.compareTo(rules.maxAge()) < 0) {
                reasons.add(KeepReason.YOUNGER_THAN_MAX_AGE);
            }

            if (reasons.isEmpty()) {
                toDelete.add(new RetentionPlan.Delete(snapshot, whyDelete(snapshot, age, rules)));
            } else {
                kept.add(new RetentionPlan.Keep(snapshot, reasons));
            }
        }
        List<RetentionPlan.Delete> oldestFirst = new ArrayList<>(toDelete);
        Collections.reverse(oldestFirst);
        long bytesToFree = oldestFirst.stream().mapToLong(delete -> delete.snapshot().sizeBytes()).sum();
        return new RetentionPlan(kept, oldestFirst, bytesToFree);
    }

    private static String whyDelete(SnapshotInfo snapshot, Duration age, RetentionRules rules) {
        List<String> parts = new ArrayList<>();
        if (snapshot.complete()) {
            parts.add("complete, " + describe(age) + " old");
            if (rules.keepLast() != null) {
                parts.add("not among the " + rules.keepLast() + " newest complete");
            }
        } else {
            parts.add("incomplete (" + snapshot.problem() + "), " + describe(age) + " old, past the "
                    + describe(rules.incompleteGrace()) + " grace");
        }
        if (rules.maxAge() != null) {
            parts.add("older than " + describe(rules.maxAge()));
        }
        return String.join(", ", parts);
    }

    /** A duration the way a user writes it for {@code --max-age}: {@code 40d3h}, {@code 2h5m}, {@code 30s}. */
    static String describe(Duration duration) {
        if (duration.isNegative()) {
            return "-" + describe(duration.negated());
        }
        long days = duration.toDays();
        int hours = duration.toHoursPart();
        int minutes = duration.toMinutesPart();
        int seconds = duration.toSecondsPart();
        StringBuilder text = new StringBuilder();
        if (days > 0) {
            text.append(days).append('d');
        }
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (minutes > 0 && days == 0) {
            text.append(minutes).append('m');
        }
        if (seconds > 0 && days == 0 && hours == 0) {
            text.append(seconds).append('s');
        }
        return text.length() == 0 ? (duration.isZero() ? "0s" : duration.toMillis() + "ms") : text.toString();
    }
}
