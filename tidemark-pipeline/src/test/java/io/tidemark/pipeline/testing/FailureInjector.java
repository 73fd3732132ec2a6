package io.tidemark.pipeline.testing;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;

import org.apache.flink.api.common.functions.MapFunction;

import java.time.Duration;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Fails the job when the number of streamed (non-snapshot) changes it has seen, counted across
 * restarts, reaches one of the configured points. The MiniCluster runs in the test JVM, so the
 * counters are plain statics keyed by a scenario name.
 */
public final class FailureInjector implements MapFunction<ChangeEvent, ChangeEvent> {

    private static final long serialVersionUID = 1L;

    private static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();
    private static final Map<String, NavigableSet<Long>> POINTS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> FAILURES = new ConcurrentHashMap<>();
    private static final Map<String, long[]> SLOW = new ConcurrentHashMap<>();

    private final String scenario;

    private FailureInjector(String scenario) {
        this.scenario = scenario;
    }

    public static FailureInjector failingAt(String scenario, long... points) {
        NavigableSet<Long> set = new ConcurrentSkipListSet<>();
        for (long p : points) {
            set.add(p);
        }
        SEEN.put(scenario, new AtomicLong());
        POINTS.put(scenario, set);
        FAILURES.put(scenario, new AtomicLong());
        return new FailureInjector(scenario);
    }

    /**
     * Makes each change seen from {@code from} to {@code to} (counted like the failure points) take
     * {@code perChange} at least, so that checkpoints fall among them: a transaction streamed that
     * slowly is checkpointed while the sink holds part of it.
     */
    public static void slowDown(String scenario, long from, long to, Duration perChange) {
        SLOW.put(scenario, new long[] {from, to, perChange.toNanos()});
    }

    /** Makes the scenario count snapshot rows too, for failures in the middle of the initial snapshot. */
    public static void countingSnapshotRows(String scenario) {
        SNAPSHOT_COUNTED.add(scenario);
    }

    private static final Set<String> SNAPSHOT_COUNTED = ConcurrentHashMap.newKeySet();

    public static long failures(String scenario) {
        return FAILURES.get(scenario).get();
    }

    @Override
    public ChangeEvent map(ChangeEvent event) {
        if (event.operation() == ChangeOperation.SWEEP) {
            return event; // the end of a snapshot chunk, not a change
        }
        if (event.operation() != ChangeOperation.SNAPSHOT || SNAPSHOT_COUNTED.contains(scenario)) {
            long seen = SEEN.get(scenario).incrementAndGet();
            long[] slow = SLOW.get(scenario);
            if (slow != null && seen >= slow[0] && seen <= slow[1]) {
                LockSupport.parkNanos(slow[2]);
            }
            NavigableSet<Long> points = POINTS.get(scenario);
            Long next = points.isEmpty() ? null : points.first();
            if (next != null && seen >= next && points.remove(next)) {
                FAILURES.get(scenario).incrementAndGet();
                throw new InjectedFailure("injected failure #" + FAILURES.get(scenario).get() + " after " + seen + " streamed changes");
            }
        }
        return event;
    }

    /** The exception the injector throws, so logs say plainly that the failure was on purpose. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
