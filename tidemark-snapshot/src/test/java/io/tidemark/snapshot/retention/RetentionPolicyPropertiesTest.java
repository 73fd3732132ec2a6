package io.tidemark.snapshot.retention;

import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.storage.SnapshotPaths;
import io.tidemark.snapshot.storage.SnapshotStorage;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention rules hold for any history: random listings of 1 to 40 snapshots (sizes, ages from
 * seconds to 400 days, complete or not, up to two in use under another spelling of their path) under
 * random rules.
 */
class RetentionPolicyPropertiesTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @Property
    void neverDeletesASnapshotInUse(@ForAll("histories") History history) {
        RetentionPlan plan = history.plan();
        Set<String> inUse = history.inUsePaths().stream().map(SnapshotPaths::normalize).collect(Collectors.toSet());
        assertThat(deleted(plan)).noneMatch(snapshot -> inUse.contains(snapshot.path()));
    }

    @Property
    void neverDeletesTheNewestCompleteSnapshot(@ForAll("histories") History history) {
        List<SnapshotInfo> complete = history.completeNewestFirst();
        if (!complete.isEmpty()) {
            assertThat(deleted(history.plan())).doesNotContain(complete.get(0));
        }
    }

    @Property
    void keepsEveryCompleteSnapshotAmongTheKeepLastNewest(@ForAll("histories") History history) {
        Integer keepLast = history.rules().keepLast();
        if (keepLast != null) {
            List<SnapshotInfo> complete = history.completeNewestFirst();
            List<SnapshotInfo> newest = complete.subList(0, Math.min(keepLast, complete.size()));
            assertThat(kept(history.plan())).containsAll(newest);
        }
    }

    @Property
    void keepsEverySnapshotYoungerThanMaxAge(@ForAll("histories") History history) {
        Duration maxAge = history.rules().maxAge();
        if (maxAge != null) {
            List<SnapshotInfo> young = history.snapshots().stream().filter(s -> history.age(s).compareTo(maxAge) < 0).toList();
            assertThat(kept(history.plan())).containsAll(young);
        }
    }

    @Property
    void deletesACompleteSnapshotOnlyBeyondKeepLastAndOlderThanMaxAge(@ForAll("histories") History history) {
        List<SnapshotInfo> complete = history.completeNewestFirst();
        Integer keepLast = history.rules().keepLast();
        Duration maxAge = history.rules().maxAge();
        for (SnapshotInfo snapshot : deleted(history.plan())) {
            if (snapshot.complete()) {
                assertThat(keepLast == null || complete.indexOf(snapshot) >= keepLast).as("beyond keepLast: %s", snapshot).isTrue();
                assertThat(maxAge == null || history.age(snapshot).compareTo(maxAge) >= 0).as("older than maxAge: %s", snapshot).isTrue();
            }
        }
    }

    @Property
    void incompleteOnlyDeletesNoCompleteSnapshot(@ForAll("histories") History history) {
        if (history.rules().incompleteOnly()) {
            assertThat(deleted(history.plan())).noneMatch(SnapshotInfo::complete);
        }
    }

    @Property
    void keepsAnIncompleteSnapshotYoungerThanTheGrace(@ForAll("histories") History history) {
        Duration grace = history.rules().incompleteGrace();
        List<SnapshotInfo> beingWritten = history.snapshots().stream()
                .filter(s -> !s.complete() && history.age(s).compareTo(grace) < 0)
                .toList();
        assertThat(kept(history.plan())).containsAll(beingWritten);
    }

    /** Without this, a policy that keeps everything would pass every other property. */
    @Property
    void keepsOnlyWhatSomeRuleKeeps(@ForAll("histories") History history) {
        List<SnapshotInfo> complete = history.completeNewestFirst();
        Set<String> inUse = history.inUsePaths().stream().map(SnapshotPaths::normalize).collect(Collectors.toSet());
        RetentionRules rules = history.rules();
        for (SnapshotInfo snapshot : kept(history.plan())) {
            Duration age = history.age(snapshot);
            int rank = complete.indexOf(snapshot);
            boolean someRuleKeepsIt = inUse.contains(snapshot.path())
                    || rank == 0
                    || (rules.keepLast() != null && rank >= 0 && rank < rules.keepLast())
                    || (rules.maxAge() != null && age.compareTo(rules.maxAge()) < 0)
                    || (!snapshot.complete() && age.compareTo(rules.incompleteGrace()) < 0)
                    || (rules.incompleteOnly() && snapshot.complete());
            assertThat(someRuleKeepsIt).as("a rule keeps %s", snapshot).isTrue();
        }
    }

    @Property
    void keptAndDeletedPartitionTheListing(@ForAll("histories") History history) {
        RetentionPlan plan = history.plan();
        Set<SnapshotInfo> keptSet = identitySet(kept(plan));
        Set<SnapshotInfo> deletedSet = identitySet(deleted(plan));
        assertThat(kept(plan).size() + deleted(plan).size()).isEqualTo(history.snapshots().size());
        assertThat(Collections.disjoint(keptSet, deletedSet)).as("kept and deleted are disjoint").isTrue();
        Set<SnapshotInfo> union = identitySet(history.snapshots());
        union.removeAll(keptSet);
        union.removeAll(deletedSet);
        assertThat(union).isEmpty();
    }

    @Property
    void bytesToFreeIsTheSumOfTheDeletedSizesAndDeletionGoesOldestFirst(@ForAll("histories") History history) {
        RetentionPlan plan = history.plan();
        assertThat(plan.bytesToFree()).isEqualTo(deleted(plan).stream().mapToLong(SnapshotInfo::sizeBytes).sum());
        assertThat(deleted(plan)).isSortedAccordingTo(Comparator.comparing(SnapshotInfo::time));
    }

    @Provide
    Arbitrary<History> histories() {
        Arbitrary<Integer> keepLast = Arbitraries.integers().between(0, 10).injectNull(0.3);
        Arbitrary<Duration> maxAge = Arbitraries.longs().between(1, Duration.ofDays(400).toSeconds()).map(Duration::ofSeconds).injectNull(0.3);
        Arbitrary<Duration> grace = Arbitraries.of(Duration.ZERO, Duration.ofMinutes(1), RetentionRules.DEFAULT_INCOMPLETE_GRACE, Duration.ofDays(1));
        Arbitrary<RetentionRules> rules = Arbitraries.oneOf(
                Combinators.combine(keepLast, maxAge, grace)
                        .filter((last, age, g) -> last != null || age != null)
                        .as((last, age, g) -> new RetentionRules(last, age, g, false)),
                grace.map(g -> new RetentionRules(null, null, g, true)));
        Arbitrary<List<SnapshotInfo>> snapshots = Arbitraries.integers().between(1, 40).flatMap(count -> {
            Arbitrary<Long> ages = Arbitraries.longs().between(1, Duration.ofDays(400).toSeconds());
            Arbitrary<Long> sizes = Arbitraries.longs().between(0, 10L << 30);
            Arbitrary<Boolean> complete = Arbitraries.frequency(
                    Tuple.of(3, true), Tuple.of(1, false));
            Arbitrary<Boolean> checkpoint = Arbitraries.of(true, false);
            return Combinators.combine(ages, sizes, complete, checkpoint)
                    .as(SnapshotShape::new)
                    .list()
                    .ofSize(count)
                    .map(RetentionPolicyPropertiesTest::toSnapshots);
        });
        return snapshots.flatMap(list -> {
            Arbitrary<Set<Integer>> inUseIndexes = Arbitraries.integers().between(0, list.size() - 1).set().ofMaxSize(2);
            Arbitrary<Boolean> respell = Arbitraries.of(true, false);
            return Combinators.combine(rules, inUseIndexes, respell).as((r, indexes, otherSpelling) -> {
                Set<String> inUse = new HashSet<>();
                for (int index : indexes) {
                    String path = list.get(index).path();
                    // a running job reports file:///x/ where the listing says file:/x
                    inUse.add(otherSpelling ? path.replace("file:/", "file:///") + "/" : path);
                }
                return new History(list, r, inUse);
            });
        });
    }

    private record SnapshotShape(long ageSeconds, long size, boolean complete, boolean checkpoint) {}

    private static List<SnapshotInfo> toSnapshots(List<SnapshotShape> shapes) {
        List<SnapshotInfo> snapshots = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            SnapshotShape shape = shapes.get(i);
            String path = shape.checkpoint()
                    ? "file:/data/checkpoints/0123456789abcdef0123456789abcdef/chk-" + (i + 1)
                    : String.format("file:/data/savepoints/savepoint-0a1b2c-%012x", i + 1);
            snapshots.add(new SnapshotInfo(
                    path,
                    shape.checkpoint() ? SnapshotKind.CHECKPOINT : SnapshotKind.SAVEPOINT,
                    shape.checkpoint() ? "0123456789abcdef0123456789abcdef" : null,
                    shape.checkpoint() ? "012345" : "0a1b2c",
                    shape.complete() ? (long) (i + 1) : null,
                    NOW.minusSeconds(shape.ageSeconds()),
                    shape.size(),
                    shape.complete(),
                    shape.complete() ? null : "no _metadata"));
        }
        return snapshots;
    }

    /** A listing, the rules to apply, and the paths running jobs use (some spelled unlike the listing). */
    record History(List<SnapshotInfo> snapshots, RetentionRules rules, Set<String> inUsePaths) {

        RetentionPlan plan() {
            return RetentionPolicy.plan(snapshots, rules, inUsePaths, NOW);
        }

        Duration age(SnapshotInfo snapshot) {
            return Duration.between(snapshot.time(), NOW);
        }

        /** The complete snapshots in the documented order (newest first, equal times by path). */
        List<SnapshotInfo> completeNewestFirst() {
            return snapshots.stream().filter(SnapshotInfo::complete).sorted(SnapshotStorage.NEWEST_FIRST).toList();
        }
    }

    private static List<SnapshotInfo> kept(RetentionPlan plan) {
        return plan.kept().stream().map(RetentionPlan.Keep::snapshot).toList();
    }

    private static List<SnapshotInfo> deleted(RetentionPlan plan) {
        return plan.toDelete().stream().map(RetentionPlan.Delete::snapshot).toList();
    }

    private static Set<SnapshotInfo> identitySet(List<SnapshotInfo> snapshots) {
        Set<SnapshotInfo> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(snapshots);
        return set;
    }
}
