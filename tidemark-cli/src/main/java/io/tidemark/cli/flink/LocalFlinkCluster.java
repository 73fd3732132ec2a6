package io.tidemark.cli.flink;

import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A Flink cluster inside this JVM (a {@link MiniCluster}) with its REST API and Web UI on a free
 * loopback port. Jobs are submitted to it through the REST API, as to a real cluster, so that the
 * local run and the demo exercise the same path as production.
 */
public final class LocalFlinkCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final MiniCluster miniCluster;
    private final RestClusterClient<StandaloneClusterId> client;
    private final URI webUi;
    private final FlinkJobs jobs;

    private LocalFlinkCluster(MiniCluster miniCluster, RestClusterClient<StandaloneClusterId> client, URI webUi) {
        this.miniCluster = miniCluster;
        this.client = client;
        this.webUi = webUi;
        this.jobs = new FlinkJobs(client);
    }

    /**
     * Starts a cluster of one task manager with {@code slots} slots; its temporary files go under
     * {@code workDir}.
     */
    public static LocalFlinkCluster start(Path workDir, int slots) throws Exception {
        Path tmp = Files.createDirectories(workDir.resolve("flink-tmp"));
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        conf.set(RestOptions.ADDRESS, LOOPBACK);
        conf.set(RestOptions.PORT, freePort());
        conf.set(JobManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(TaskManagerOptions.HOST, LOOPBACK);
        conf.set(CoreOptions.TMP_DIRS, tmp.toString());
        conf.set(WebOptions.TMP_DIR, tmp.resolve("web").toString());
        // the exception history that `run` reports restarts from is served from a cache refreshed this often
        conf.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(500));
        // and the metrics that `run` prints the snapshot's progress from, every 10 s by default
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        MiniCluster miniCluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        try {
            miniCluster.start();
            URI rest = miniCluster.getRestAddress().get(60, TimeUnit.SECONDS);
            Configuration clientConf = new Configuration(conf);
            clientConf.set(RestOptions.ADDRESS, rest.getHost());
            clientConf.set(RestOptions.PORT, rest.getPort());
            RestClusterClient<StandaloneClusterId> client =
                    new RestClusterClient<>(clientConf, StandaloneClusterId.getInstance());
            LOG.info("Local Flink cluster started; REST API and Web UI at {}", rest);
            return new LocalFlinkCluster(miniCluster, client, URI.create("http://" + LOOPBACK + ":" + rest.getPort()));
        } catch (Exception e) {
            miniCluster.close();
            throw e;
        }
    }

    /** The Web UI, which is also the REST API's address. */
    public URI webUi() {
        return webUi;
    }

    public FlinkJobs jobs() {
        return jobs;
    }

    /** Closes the client and stops the cluster; jobs still running are cancelled with it. */
    @Override
    public void close() throws Exception {
        try {
            client.close();
        } finally {
            miniCluster.closeAsync().get(60, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }
}
