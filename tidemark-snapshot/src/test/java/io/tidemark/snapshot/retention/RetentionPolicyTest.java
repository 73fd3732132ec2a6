package io.tidemark.snapshot.retention;

import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.storage.SnapshotInfo;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class RetentionPolicyTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @Test
    void keepLastAloneDeletesOlderCompleteSnapshotsWhateverTheirAge() {
        SnapshotInfo newest = complete("savepoint-aaaaaa-000000000001", Duration.ofMinutes(1), 10);
        SnapshotInfo second = complete("savepoint-aaaaaa-000000000002", Duration.ofMinutes(2), 20);
        SnapshotInfo third = complete("savepoint-aaaaaa-000000000003", Duration.ofMinutes(3), 40);
        SnapshotInfo old = complete("savepoint-aaaaaa-000000000004", Duration.ofDays(90), 80);

        RetentionPlan plan = RetentionPolicy.plan(List.of(old, third, newest, second), RetentionRules.keepLast(2), Set.of(), NOW);

        assertThat(keptPaths(plan)).containsExactly(newest.path(), second.path());
        assertThat(deletedPaths(plan)).containsExactly(old.path(), third.path());
        assertThat(plan.bytesToFree()).isEqualTo(120);
        assertThat(plan.kept().get(0).reasons()).containsExactlyInAnyOrder(KeepReason.NEWEST_COMPLETE, KeepReason.KEEP_LAST);
        assertThat(plan.toDelete().get(0).why()).contains("not among the 2 newest complete");
    }

    @Test
    void maxAgeAloneDeletesOlderSnapshotsButNeverTheNewestCompleteOrOneInUse() {
        SnapshotInfo youngIncomplete = incomplete("savepoint-aaaaaa-000000000001", Duration.ofHours(2), 1);
        SnapshotInfo newestComplete = complete("savepoint-aaaaaa-000000000002", Duration.ofDays(10), 2);
        SnapshotInfo inUse = complete("savepoint-aaaaaa-000000000003", Duration.ofDays(20), 4);
        SnapshotInfo old = complete("savepoint-aaaaaa-000000000004", Duration.ofDays(30), 8);

        RetentionPlan plan = RetentionPolicy.plan(
                List.of(youngIncomplete, newestComplete, inUse, old),
                RetentionRules.maxAge(Duration.ofDays(7)),
                Set.of("file:///snapshots/savepoint-aaaaaa-000000000003/"),
                NOW);

        assertThat(keptPaths(plan)).containsExactly(youngIncomplete.path(), newestComplete.path(), inUse.path());
        assertThat(plan.kept().get(0).reasons()).containsExactly(KeepReason.YOUNGER_THAN_MAX_AGE);
        assertThat(plan.kept().get(1).reasons()).containsExactly(KeepReason.NEWEST_COMPLETE);
        assertThat(plan.kept().get(2).reasons()).containsExactly(KeepReason.IN_USE);
        assertThat(deletedPaths(plan)).containsExactly(old.path());
        assertThat(plan.toDelete().get(0).why()).isEqualTo("complete, 30d old, older than 7d");
    }

    @Test
    void incompleteSnapshotsDoNotCountTowardKeepLast() {
        SnapshotInfo failedRecently = incomplete("savepoint-aaaaaa-000000000001", Duration.ofHours(3), 1);
        SnapshotInfo good = complete("savepoint-aaaaaa-000000000002", Duration.ofHours(4), 2);
        SnapshotInfo older = complete("savepoint-aaaaaa-000000000003", Duration.ofHours(5), 4);

        RetentionPlan plan = RetentionPolicy.plan(List.of(failedRecently, good, older), RetentionRules.keepLast(2), Set.of(), NOW);

        assertThat(keptPaths(plan)).containsExactly(good.path(), older.path());
        assertThat(deletedPaths(plan)).containsExactly(failedRecently.path());
        assertThat(plan.toDelete().get(0).why()).startsWith("incomplete (no _metadata").contains("past the 1h grace");
    }

    @Test
    void incompleteSnapshotYoungerThanTheGraceIsKeptBecauseItMayStillBeWritten() {
        SnapshotInfo beingWritten = incomplete("chk-7", Duration.ofMinutes(5), 1);
        SnapshotInfo abandoned = incomplete("chk-6", Duration.ofMinutes(50), 1);
        SnapshotInfo good = complete("chk-5", Duration.ofMinutes(60), 1);

        RetentionRules rules = RetentionRules.keepLast(1).withIncompleteGrace(Duration.ofMinutes(10));
        RetentionPlan plan = RetentionPolicy.plan(List.of(beingWritten, abandoned, good), rules, Set.of(), NOW);

        assertThat(keptPaths(plan)).containsExactly(beingWritten.path(), good.path());
        assertThat(plan.kept().get(0).reasons()).containsExactly(KeepReason.INCOMPLETE_IN_GRACE);
        assertThat(deletedPaths(plan)).containsExactly(abandoned.path());
    }

    @Test
    void eitherRuleKeepsASnapshotWhenBothAreGiven() {
        SnapshotInfo a = complete("savepoint-aaaaaa-000000000001", Duration.ofDays(1), 1);
        SnapshotInfo b = complete("savepoint-aaaaaa-000000000002", Duration.ofDays(2), 1);
        SnapshotInfo c = complete("savepoint-aaaaaa-000000000003", Duration.ofDays(3), 1);
        SnapshotInfo d = complete("savepoint-aaaaaa-000000000004", Duration.ofDays(40), 1);

        RetentionPlan plan = RetentionPolicy.plan(
                List.of(a, b, c, d), new RetentionRules(1, Duration.ofDays(30)), Set.of(), NOW);

        assertThat(keptPaths(plan)).containsExactly(a.path(), b.path(), c.path());
        assertThat(deletedPaths(plan)).containsExactly(d.path());
    }

    @Test
    void snapshotsOfTheSameSecondGoByCheckpointId() {
        // S3 reports modification times to the second: a savepoint and the checkpoint after it can share one
        Instant second = NOW.minus(Duration.ofHours(1));
        SnapshotInfo savepoint = withId(complete("savepoint-aaaaaa-000000000001", Duration.ofHours(1), 1), 41, second);
        SnapshotInfo checkpoint = withId(complete("chk-42", Duration.ofHours(1), 1), 42, second);

        RetentionPlan plan = RetentionPolicy.plan(List.of(savepoint, checkpoint), RetentionRules.keepLast(1), Set.of(), NOW);

        assertThat(keptPaths(plan)).containsExactly(checkpoint.path());
        assertThat(deletedPaths(plan)).containsExactly(savepoint.path());
    }

    @Test
    void incompleteOnlyDeletesAbandonedSnapshotsAndKeepsEveryCompleteOneWhateverItsAge() {
        SnapshotInfo beingWritten = incomplete("savepoint-aaaaaa-000000000001", Duration.ofMinutes(5), 1);
        SnapshotInfo abandoned = incomplete("savepoint-aaaaaa-000000000002", Duration.ofHours(3), 1);
        SnapshotInfo newest = complete("savepoint-aaaaaa-000000000003", Duration.ofDays(1), 1);
        SnapshotInfo old = complete("savepoint-aaaaaa-000000000004", Duration.ofDays(400), 1);

        RetentionPlan plan = RetentionPolicy.plan(List.of(beingWritten, abandoned, newest, old),
                RetentionRules.abandonedOnly(), Set.of(), NOW);

        assertThat(plan.toDelete()).extracting(d -> d.snapshot()).containsExactly(abandoned);
        assertThat(plan.kept()).extracting(k -> k.snapshot(), k -> k.reasons()).containsExactlyInAnyOrder(
                tuple(beingWritten, java.util.EnumSet.of(KeepReason.INCOMPLETE_IN_GRACE)),
                tuple(newest, java.util.EnumSet.of(KeepReason.NEWEST_COMPLETE, KeepReason.COMPLETE)),
                tuple(old, java.util.EnumSet.of(KeepReason.COMPLETE)));
        assertThatThrownBy(() -> new RetentionRules(1, null, RetentionRules.DEFAULT_INCOMPLETE_GRACE, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--incomplete");
    }

    @Test
    void rulesNeedKeepLastOrMaxAge() {
        assertThatThrownBy(() -> new RetentionRules(null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--keep-last")
                .hasMessageContaining("--max-age");
        assertThatThrownBy(() -> RetentionRules.keepLast(-1)).hasMessageContaining("--keep-last");
        assertThatThrownBy(() -> RetentionRules.maxAge(Duration.ofDays(-1))).hasMessageContaining("--max-age");
    }

    @Test
    void durationsReadAsTheyAreTyped() {
        assertThat(RetentionPolicy.describe(Duration.ofDays(40).plusHours(3).plusMinutes(7))).isEqualTo("40d3h");
        assertThat(RetentionPolicy.describe(Duration.ofHours(2).plusMinutes(5).plusSeconds(9))).isEqualTo("2h5m");
        assertThat(RetentionPolicy.describe(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(RetentionPolicy.describe(Duration.ZERO)).isEqualTo("0s");
    }

    private static SnapshotInfo complete(String name, Duration age, long size) {
        return snapshot(name, age, size, true);
    }

    private static SnapshotInfo incomplete(String name, Duration age, long size) {
        return snapshot(name, age, size, false);
    }

    private static SnapshotInfo snapshot(String name, Duration age, long size, boolean complete) {
        boolean checkpoint = name.startsWith("chk-");
        return new SnapshotInfo(
                checkpoint ? "file:/snapshots/0123456789abcdef0123456789abcdef/" + name : "file:/snapshots/" + name,
                checkpoint ? SnapshotKind.CHECKPOINT : SnapshotKind.SAVEPOINT,
                checkpoint ? "0123456789abcdef0123456789abcdef" : null,
                checkpoint ? "012345" : "aaaaaa",
                complete ? 1L : null,
                NOW.minus(age),
                size,
                complete,
                complete ? null : "no _metadata: still being written, or abandoned");
    }

    private static SnapshotInfo withId(SnapshotInfo snapshot, long checkpointId, Instant time) {
        return new SnapshotInfo(snapshot.path(), snapshot.kind(), snapshot.jobId(), snapshot.jobIdPrefix(), checkpointId, time,
                snapshot.sizeBytes(), snapshot.complete(), snapshot.problem());
    }

    private static List<String> keptPaths(RetentionPlan plan) {
        return plan.kept().stream().map(keep -> keep.snapshot().path()).toList();
    }

    private static List<String> deletedPaths(RetentionPlan plan) {
        return plan.toDelete().stream().map(delete -> delete.snapshot().path()).toList();
    }
}
