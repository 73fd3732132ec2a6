package io.tidemark.failure;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.failure.FailureEnricher;
import org.apache.flink.core.failure.FailureEnricherFactory;
import org.apache.flink.metrics.MetricGroup;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;

import static io.tidemark.failure.TidemarkFailureEnricher.CAUSE_LABEL;
import static io.tidemark.failure.TidemarkFailureEnricher.FAILURES;
import static io.tidemark.failure.TidemarkFailureEnricher.LAST_FAILURE_TIMESTAMP;
import static io.tidemark.failure.TidemarkFailureEnricher.SAME_CAUSE_COUNT_LABEL;
import static io.tidemark.failure.TidemarkFailureEnricher.SAME_CAUSE_FAILURES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * The enricher as a JobManager drives it: each failure labelled with its cause and how many in a row
 * had it, and per job metrics in the job's metric group, registered once, that count failures and
 * streaks and fall back once the window passes; jobs of a session cluster apart.
 */
class TidemarkFailureEnricherTest {

    private static final Instant START = Instant.parse("2026-01-05T10:00:00Z");

    private final TestingClock clock = new TestingClock();
    private final TidemarkFailureEnricher enricher = new TidemarkFailureEnricher(Duration.ofMinutes(10), clock);

    @Test
    void eachFailureIsLabelledWithItsCauseAndHowManyInARowHadIt() throws Exception {
        TestingMetricGroup job = new TestingMetricGroup();

        Map<String, String> first = enricher.processFailure(missingTable(13), context(job)).get();
        clock.advance(Duration.ofSeconds(5));
        Map<String, String> second = enricher.processFailure(missingTable(27), context(job)).get();
        clock.advance(Duration.ofSeconds(5));
        Map<String, String> other = enricher.processFailure(new IOException("connection refused"), context(job)).get();

        assertThat(first).containsOnly(entry(CAUSE_LABEL, "SQLException: ERROR: relation \"public.orders\" does not exist"
                + " (attempt #)"), entry(SAME_CAUSE_COUNT_LABEL, "1"));
        assertThat(second).as("only a number differs").containsEntry(CAUSE_LABEL, first.get(CAUSE_LABEL))
                .containsEntry(SAME_CAUSE_COUNT_LABEL, "2");
        assertThat(other).containsOnly(entry(CAUSE_LABEL, "IOException: connection refused"), entry(SAME_CAUSE_COUNT_LABEL, "1"));
        assertThat(enricher.getOutputKeys()).as("Flink drops labels outside the declared keys").containsAll(first.keySet());
    }

    @Test
    void theJobsMetricsCountFailuresAndTheStreakWhichFallsToZeroAfterTheWindow() throws Exception {
        TestingMetricGroup job = new TestingMetricGroup();
        for (int attempt = 1; attempt <= 3; attempt++) {
            enricher.processFailure(missingTable(attempt), context(job)).get();
            clock.advance(Duration.ofMinutes(1));
        }
        Instant last = clock.instant().minus(Duration.ofMinutes(1));

        assertThat(job.values()).containsOnly(entry(FAILURES, 3L), entry(SAME_CAUSE_FAILURES, 3),
                entry(LAST_FAILURE_TIMESTAMP, last.toEpochMilli()));

        clock.advance(Duration.ofMinutes(7)); // the first failure is 10 min 0 s old: still inside
        assertThat(job.values()).containsEntry(SAME_CAUSE_FAILURES, 3);
        clock.advance(Duration.ofSeconds(1));
        assertThat(job.values()).containsEntry(SAME_CAUSE_FAILURES, 2);
        clock.advance(Duration.ofMinutes(5));
        assertThat(job.values()).as("no failure in the last 10 minutes").containsEntry(SAME_CAUSE_FAILURES, 0)
                .containsEntry(FAILURES, 3L);

        enricher.processFailure(missingTable(4), context(job)).get();
        assertThat(job.values()).containsEntry(FAILURES, 4L).containsEntry(SAME_CAUSE_FAILURES, 1);
    }

    @Test
    void theJobsOfASessionClusterCountApartAndARecoveredJobStartsOver() throws Exception {
        TestingMetricGroup orders = new TestingMetricGroup();
        TestingMetricGroup customers = new TestingMetricGroup();

        enricher.processFailure(missingTable(1), context(orders)).get();
        enricher.processFailure(missingTable(2), context(orders)).get();
        Map<String, String> otherJob = enricher.processFailure(missingTable(3), context(customers)).get();

        assertThat(otherJob).containsEntry(SAME_CAUSE_COUNT_LABEL, "1");
        assertThat(orders.values()).containsEntry(FAILURES, 2L).containsEntry(SAME_CAUSE_FAILURES, 2);
        assertThat(customers.values()).containsEntry(FAILURES, 1L).containsEntry(SAME_CAUSE_FAILURES, 1);

        // the same job id under a new JobMaster (a resubmission, a JobManager failover): Flink gives it a new group
        TestingMetricGroup recovered = new TestingMetricGroup();
        assertThat(enricher.processFailure(missingTable(4), context(recovered)).get()).containsEntry(SAME_CAUSE_COUNT_LABEL, "1");
        assertThat(recovered.values()).containsEntry(FAILURES, 1L);
    }

    @Test
    void aFinishedJobsStateGoesWithTheMetricGroupFlinkDrops() throws Exception {
        TestingMetricGroup running = new TestingMetricGroup();
        enricher.processFailure(missingTable(1), context(running)).get();
        failOnce(); // a job whose group nothing but the enricher's state could still hold

        assertThat(enricher.trackedJobs()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return enricher.trackedJobs() == 1;
        });
        assertThat(running.values()).containsEntry(FAILURES, 1L);
    }

    private void failOnce() throws Exception {
        enricher.processFailure(missingTable(1), context(new TestingMetricGroup())).get();
    }

    @Test
    void flinkFindsTheFactoryAsAServiceAndTheWindowComesFromTheClustersConfiguration() throws Exception {
        List<FailureEnricherFactory> factories = ServiceLoader.load(FailureEnricherFactory.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        assertThat(factories).hasSize(1).first().isInstanceOf(TidemarkFailureEnricherFactory.class);

        Configuration conf = new Configuration();
        conf.set(FailureEnricherOptions.SAME_CAUSE_WINDOW, Duration.ofSeconds(30));
        FailureEnricher created = factories.get(0).createFailureEnricher(conf);
        // what jobmanager.failure-enrichers lists: Flink matches it against the enricher's class name
        assertThat(created.getClass().getName()).isEqualTo(FailureEnricherOptions.ENRICHER_CLASS);

        TestingMetricGroup job = new TestingMetricGroup();
        created.processFailure(missingTable(1), context(job)).get();
        assertThat(created.processFailure(missingTable(2), context(job)).get()).containsEntry(SAME_CAUSE_COUNT_LABEL, "2");
        assertThat(FailureEnricherOptions.SAME_CAUSE_WINDOW.defaultValue()).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> new TidemarkFailureEnricher(Duration.ZERO)).hasMessageContaining("same-cause-window");
    }

    /** What the JDBC sink fails with once its table is dropped, with a number that changes from one attempt to the next. */
    private static Exception missingTable(int attempt) {
        return new IOException("sink warehouse: flush failed",
                new SQLException("ERROR: relation \"public.orders\" does not exist (attempt " + attempt + ")\n  Position: 13"));
    }

    private static FailureEnricher.Context context(MetricGroup group) {
        return new TestingContext(group, new JobInfoImpl(new JobID(), "tidemark-orders"));
    }

    private record TestingContext(MetricGroup group, JobInfo jobInfo) implements FailureEnricher.Context {
        @Override
        public MetricGroup getMetricGroup() {
            return group;
        }

        @Override
        public FailureType getFailureType() {
            return FailureType.TASK;
        }

        @Override
        public ClassLoader getUserClassLoader() {
            return getClass().getClassLoader();
        }

        @Override
        public Executor getIOExecutor() {
            return Runnable::run;
        }

        @Override
        public JobInfo getJobInfo() {
            return jobInfo;
        }
    }

    private static final class TestingClock extends Clock {
        private Instant now = START;

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
