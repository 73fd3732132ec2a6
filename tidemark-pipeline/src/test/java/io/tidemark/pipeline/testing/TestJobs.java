package io.tidemark.pipeline.testing;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineComposer;
import io.tidemark.pipeline.job.PipelineJob;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * How the pipeline tests run a job on the MiniCluster as a deployment would: with a restart
 * strategy, optionally with failures injected after the source, and cancelled so that it writes
 * nothing into the next test.
 */
public final class TestJobs {

    private TestJobs() {}

    /** A fixed-delay restart strategy, so that an injected failure restores from the last checkpoint. */
    public static Configuration restartOnFailure() {
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 50);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(300));
        return restart;
    }

    /**
     * An exponential-delay restart strategy (0.2 s up to 2 s), as a deployment that must ride out
     * an outage of a database uses: a fixed delay would spend its attempts within seconds.
     */
    public static Configuration restartThroughOutages() {
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofMillis(200));
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(2));
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, 1_000);
        return restart;
    }

    /** No restarts: a job that fails ends with its failure (with restarts it fails the same way at every attempt). */
    public static Configuration noRestarts() {
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return restart;
    }

    /** Waits until the job has failed and returns the message of its root cause. */
    public static String rootFailure(RestClusterClient<?> client, JobID jobId) throws Exception {
        await().atMost(Duration.ofMinutes(1)).until(() -> client.getJobStatus(jobId).get() == JobStatus.FAILED);
        Throwable t = client.requestJobResult(jobId).get().getSerializedThrowable().orElseThrow()
                .deserializeError(TestJobs.class.getClassLoader());
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /**
     * Throws (not an assertion error, so that an Awaitility poll stops at once) with the job's root
     * failure if it has failed; a condition polled for a running job checks this first.
     */
    public static void requireNotFailed(RestClusterClient<?> client, JobID jobId) throws Exception {
        if (client.getJobStatus(jobId).get() == JobStatus.FAILED) {
            throw new IllegalStateException("job failed: " + rootFailure(client, jobId));
        }
    }

    /** The pipeline with a {@link FailureInjector} between source and routing. */
    public static PipelineJob failingAt(PipelineDef def, String scenario, long... points) {
        return new PipelineJob(def, PipelineComposer.of(def).withStageAfterSource(
                stream -> stream.map(FailureInjector.failingAt(scenario, points))
                        .returns(stream.getType())
                        .uid("test-failure-injector")));
    }

    /** Submits the job with {@link #restartOnFailure()}. */
    public static JobID submit(RestClusterClient<?> client, PipelineJob job) throws Exception {
        return submit(client, job, restartOnFailure());
    }

    public static JobID submit(RestClusterClient<?> client, PipelineJob job, Configuration restart) throws Exception {
        return client.submitJob(job.jobGraph(restart, SavepointRestoreSettings.none())).get(1, TimeUnit.MINUTES);
    }

    /** Cancels the job unless it has ended, and waits until it has. */
    public static void cancel(RestClusterClient<?> client, JobID jobId) throws Exception {
        if (!client.getJobStatus(jobId).get().isGloballyTerminalState()) {
            client.cancel(jobId).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofMinutes(1))
                .until(() -> client.getJobStatus(jobId).get().isGloballyTerminalState());
    }
}
