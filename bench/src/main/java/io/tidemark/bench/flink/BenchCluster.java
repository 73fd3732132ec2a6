package io.tidemark.bench.flink;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Flink MiniCluster in the bench JVM (one TaskManager) driven only through its REST API, the way
 * a deployment is driven: submit, wait until every task runs, stop with a savepoint, cancel.
 */
public final class BenchCluster implements AutoCloseable {

    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

    private final MiniCluster cluster;
    private final RestClusterClient<StandaloneClusterId> client;
    private final URI restAddress;

    private BenchCluster(MiniCluster cluster, RestClusterClient<StandaloneClusterId> client, URI restAddress) {
        this.cluster = cluster;
        this.client = client;
        this.restAddress = restAddress;
    }

    public static BenchCluster start(int slots) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        // the load sampler reads busy/back-pressure metrics while a phase runs
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        // REST serves job details from a cache refreshed every 3 s by default: far too coarse to
        // tell when a restored job's tasks start running
        conf.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(50));
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        cluster.start();
        URI rest = cluster.getRestAddress().get();
        Configuration clientConf = new Configuration();
        clientConf.set(RestOptions.ADDRESS, rest.getHost());
        clientConf.set(RestOptions.PORT, rest.getPort());
        return new BenchCluster(cluster, new RestClusterClient<>(clientConf, StandaloneClusterId.getInstance()), rest);
    }

    public URI restAddress() {
        return restAddress;
    }

    public JobID submit(JobGraph graph) throws Exception {
        return client.submitJob(graph).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until every subtask of every vertex is RUNNING (state restored, sources reading). */
    public void awaitAllTasksRunning(JobID job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JobDetailsInfo details = client.getJobDetails(job).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (details.getJobStatus().isGloballyTerminalState()) {
                throw new IllegalStateException("job " + job + " ended as " + details.getJobStatus()
                        + " before all its tasks ran; see the log above");
            }
            if (allRunning(details)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new TimeoutException("job " + job + " did not get all its tasks running within " + timeout);
    }

    private static boolean allRunning(JobDetailsInfo details) {
        if (details.getJobStatus() != JobStatus.RUNNING || details.getJobVertexInfos().isEmpty()) {
            return false;
        }
        for (JobDetailsInfo.JobVertexDetailsInfo vertex : details.getJobVertexInfos()) {
            Integer running = vertex.getTasksPerState().get(ExecutionState.RUNNING);
            if (running == null || running < vertex.getParallelism()) {
                return false;
            }
        }
        return true;
    }

    public JobDetailsInfo details(JobID job) throws Exception {
        return client.getJobDetails(job).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the job with a canonical savepoint and waits until it has finished; returns the path. */
    public String stopWithSavepoint(JobID job, String directory) throws Exception {
        String path = client.stopWithSavepoint(job, false, directory, SavepointFormatType.CANONICAL)
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
        while (!client.getJobStatus(job).get().isGloballyTerminalState()) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("job " + job + " did not finish after its savepoint");
            }
            Thread.sleep(50);
        }
        return path;
    }

    public void cancelQuietly(JobID job) {
        try {
            if (!client.getJobStatus(job).get().isGloballyTerminalState()) {
                client.cancel(job).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
            while (!client.getJobStatus(job).get().isGloballyTerminalState() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } catch (Exception ignored) {
            // best effort at the end of a phase; the cluster goes down with the bench
        }
    }

    @Override
    public void close() throws Exception {
        client.close();
        cluster.close();
    }
}
