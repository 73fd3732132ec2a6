package io.tidemark.pipeline.source.postgres;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The creation of a pipeline's replication slot while PostgreSQL holds it for open transactions, as
 * gauges of the source enumerator (under the group {@code source}): {@code
 * tidemarkSourceSlotCreationWaitSeconds}, how long the creation has been waiting (0 when no creation
 * is under way), and {@code tidemarkSourceSlotCreationBlockerPid}, the backend pid of the oldest
 * transaction it waits for (0 when none is known). The log says the same in one line, with the
 * transaction's database, application, state and age ({@link PipelineSlots#WAITS}).
 */
final class SlotCreationWait {

    static final String WAIT_SECONDS = "tidemarkSourceSlotCreationWaitSeconds";
    static final String BLOCKER_PID = "tidemarkSourceSlotCreationBlockerPid";

    /** {@link System#nanoTime()} when the creation began, or {@link Long#MIN_VALUE} when none is under way. */
    private volatile long since = Long.MIN_VALUE;
    private volatile int blockerPid;

    /** Registers the gauges of source {@code source} in the enumerator's metric group. */
    void register(MetricGroup enumeratorGroup, String source) {
        MetricGroup group = enumeratorGroup.addGroup("source", source);
        group.gauge(WAIT_SECONDS, (Gauge<Long>) this::waitSeconds);
        group.gauge(BLOCKER_PID, (Gauge<Integer>) () -> blockerPid);
    }

    void began() {
        blockerPid = 0;
        since = System.nanoTime();
    }

    void blockedBy(int pid) {
        blockerPid = pid;
    }

    void ended() {
        since = Long.MIN_VALUE;
        blockerPid = 0;
    }

    long waitSeconds() {
        long began = since;
        return began == Long.MIN_VALUE ? 0 : (System.nanoTime() - began) / 1_000_000_000L;
    }

    int blockerPid() {
        return blockerPid;
    }
}
