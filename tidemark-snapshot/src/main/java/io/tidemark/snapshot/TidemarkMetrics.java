package io.tidemark.snapshot;

import javax.annotation.Nullable;

import java.util.List;
import java.util.Objects;

/**
 * Tidemark's own metrics of a running job, as its cluster reports them: per sink and table the
 * lag and the changes applied, per source the change log it leaves behind, and the dead letters
 * waiting for a replay. Each value is {@code null} where the job does not report it (a job of an
 * older Tidemark, a gauge that cannot read its source, a table nothing was written to yet), so that
 * whoever shows them can say "unknown" rather than fail.
 *
 * <p>Names are as Flink reports them: a dot inside a group's value is an underscore
 * ({@code public.orders} is {@code public_orders}).
 */
public record TidemarkMetrics(List<SinkTable> sinkTables, List<Source> sources, List<DeadLetters> deadLetters) {

    /** A job that reports none of them. */
    public static final TidemarkMetrics NONE = new TidemarkMetrics(List.of(), List.of(), List.of());

    public TidemarkMetrics {
        sinkTables = List.copyOf(sinkTables);
        sources = List.copyOf(sources);
        deadLetters = List.copyOf(deadLetters);
    }

    /**
     * One source table in one sink.
     *
     * @param lagMs from the source's commit of the newest change applied lately to its application
     *     in the sink (the highest of the sink's subtasks)
     * @param changesApplied changes applied since the job (or its writers) started, all subtasks:
     *     a counter, whose rate is what to watch
     */
    public record SinkTable(String sink, String table, @Nullable Long lagMs, @Nullable Long changesApplied) {
        public SinkTable {
            Objects.requireNonNull(sink, "sink cannot be null");
            Objects.requireNonNull(table, "table cannot be null");
        }
    }

    /**
     * One source.
     *
     * @param backlogBytes change log between the position of the last completed checkpoint and the
     *     source's end: what a restore now would replay
     * @param retainedBytes change log the source database keeps on disk for the job
     */
    public record Source(String source, @Nullable Long backlogBytes, @Nullable Long retainedBytes) {
        public Source {
            Objects.requireNonNull(source, "source cannot be null");
        }
    }

    /** Dead letters of one source table in one sink that wait for a replay, over all error classes. */
    public record DeadLetters(String sink, String table, long pending) {
        public DeadLetters {
            Objects.requireNonNull(sink, "sink cannot be null");
            Objects.requireNonNull(table, "table cannot be null");
        }
    }

    /** All dead letters waiting; {@code null} if the job reports no dead-letter gauge (none queued yet, or no queue). */
    @Nullable
    public Long deadLettersPending() {
        return deadLetters.isEmpty() ? null : deadLetters.stream().mapToLong(DeadLetters::pending).sum();
    }
}
