package io.tidemark.failure;

import org.apache.flink.core.failure.FailureEnricher;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;

/**
 * Classifies every failure of a job on the JobManager as {@code tidemark run} does on its console, for
 * clusters where nobody watches a console: the same root-cause line ({@link FailureCause}, numbers as
 * {@code #}) becomes the failure's labels in Flink's exception history ({@value #CAUSE_LABEL},
 * {@value #SAME_CAUSE_COUNT_LABEL}), and per job metrics in the job's JobManager metric group count
 * failures and how many in a row had the same cause within the window, which an alert watches.
 *
 * <p>Flink creates one enricher per JobManager, which a session cluster shares among its jobs. The
 * state of a job is kept with the metric group Flink gives it ({@link Context#getMetricGroup()}: one
 * per run of a job), weakly: it lives as long as the metrics it feeds and goes when Flink drops the
 * finished job's group, so a long-running session cluster keeps none for the jobs it no longer runs,
 * and a job recovered under the same id starts over with its new group, as Flink's own job metrics do.
 */
public final class TidemarkFailureEnricher implements FailureEnricher {

    /** The failure's root cause in one line, numbers as {@code #}. */
    public static final String CAUSE_LABEL = "tidemark.cause";
    /** How many failures in a row, this one included, had this cause within the window. */
    public static final String SAME_CAUSE_COUNT_LABEL = "tidemark.same-cause-count";

    /** Failures of the job since it was submitted (or recovered). */
    public static final String FAILURES = "tidemarkFailures";
    /** Failures in a row with the same cause within the window before now; 0 once the cause stops recurring. */
    public static final String SAME_CAUSE_FAILURES = "tidemarkSameCauseFailures";
    /** When the last failure happened, in milliseconds since the epoch. */
    public static final String LAST_FAILURE_TIMESTAMP = "tidemarkLastFailureTimestamp";

    private final Duration window;
    private final Clock clock;
    /** Guarded by itself. The key is weak; no value refers to its key (the group refers to the value, through the gauges). */
    private final Map<MetricGroup, JobFailures> jobs = new WeakHashMap<>();

    public TidemarkFailureEnricher(Duration window) {
        this(window, Clock.systemUTC());
    }

    TidemarkFailureEnricher(Duration window, Clock clock) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(FailureEnricherOptions.SAME_CAUSE_WINDOW.key() + " must be longer than 0");
        }
        this.window = window;
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    @Override
    public Set<String> getOutputKeys() {
        return Set.of(CAUSE_LABEL, SAME_CAUSE_COUNT_LABEL);
    }

    /**
     * Called on the failed job's JobMaster thread; returns at once. Never throws: Flink calls it
     * outside the future, and logs a failed future's exception and goes on without labels.
     */
    @Override
    public CompletableFuture<Map<String, String>> processFailure(Throwable cause, Context context) {
        try {
            String key = FailureCause.key(FailureCause.of(cause));
            int inARow = failuresOf(context.getMetricGroup()).add(clock.instant(), key);
            return CompletableFuture.completedFuture(Map.of(CAUSE_LABEL, key, SAME_CAUSE_COUNT_LABEL, Integer.toString(inARow)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The state of the job whose metric group this is, its metrics registered with its first failure. */
    private JobFailures failuresOf(MetricGroup group) {
        synchronized (jobs) {
            JobFailures job = jobs.get(group);
            if (job == null) {
                job = new JobFailures(new SameCauseStreak(window), group.counter(FAILURES));
                JobFailures metrics = job;
                group.gauge(SAME_CAUSE_FAILURES, (Gauge<Integer>) () -> metrics.sameCause(clock.instant()));
                group.gauge(LAST_FAILURE_TIMESTAMP, (Gauge<Long>) metrics::lastFailureMillis);
                jobs.put(group, job);
            }
            return job;
        }
    }

    /** How many jobs' state the enricher holds. */
    int trackedJobs() {
        synchronized (jobs) {
            return jobs.size();
        }
    }

    /** One job's failures; read by the metric reporters' threads, written by the JobManager's. */
    private static final class JobFailures {

        private final SameCauseStreak streak;
        private final Counter failures;
        private long lastFailureMillis;

        JobFailures(SameCauseStreak streak, Counter failures) {
            this.streak = streak;
            this.failures = failures;
        }

        synchronized int add(Instant time, String key) {
            failures.inc();
            lastFailureMillis = time.toEpochMilli();
            return streak.add(time, key);
        }

        synchronized int sameCause(Instant now) {
            return streak.size(now);
        }

        synchronized long lastFailureMillis() {
            return lastFailureMillis;
        }
    }
}
