package io.tidemark.kubernetes.operator;

import io.tidemark.kubernetes.operator.OperatorSnapshotService.Mode;

import org.apache.flink.configuration.Configuration;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import javax.annotation.Nullable;

import java.time.Duration;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Connects the CLI's {@code --target kubernetes --deployment NAME [--namespace NS]} to the cluster
 * the kubeconfig's current context names (as kubectl does: {@code $KUBECONFIG}, else {@code
 * ~/.kube/config}, else the pod's service account), with that context's namespace unless one is
 * given.
 */
public final class OperatorTarget {

    /** Failed connections are retried twice, briefly, so that an unreachable API server is reported within about a second. */
    private static final int CONNECT_RETRIES = 2;
    private static final int CONNECT_RETRY_INTERVAL_MILLIS = 200;

    private OperatorTarget() {}

    /** FlinkDeployment {@code deployment} in {@code namespace} (null: the kubeconfig context's), snapshots in {@link Mode#AUTO}. */
    public static OperatorSnapshotService connect(@Nullable String namespace, String deployment, Duration timeout) {
        return connect(namespace, deployment, timeout, Mode.AUTO, new Configuration());
    }

    /** As {@link #connect(String, String, Duration)}, with the snapshot mode and {@link OperatorSnapshotOptions}. */
    public static OperatorSnapshotService connect(
            @Nullable String namespace, String deployment, Duration timeout, Mode mode, Configuration options) {
        return connect(Config.autoConfigure(null), namespace, deployment, timeout, mode, options);
    }

    /**
     * As {@link #connect(String, String, Duration)} for the cluster {@code config} describes; its
     * timeouts and retries are set from {@code timeout}. Nothing is sent until the first call.
     */
    public static OperatorSnapshotService connect(
            Config config, @Nullable String namespace, String deployment, Duration timeout, Mode mode, Configuration options) {
        checkNotNull(config, "config cannot be null");
        checkNotNull(deployment, "deployment cannot be null");
        checkNotNull(timeout, "timeout cannot be null");
        checkArgument(!timeout.isNegative() && !timeout.isZero(), "timeout must be positive: %s", timeout);
        String ns = namespace != null && !namespace.isBlank() ? namespace
                : config.getNamespace() != null && !config.getNamespace().isBlank() ? config.getNamespace() : "default";
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        config.setRequestTimeout(millis);
        config.setConnectionTimeout((int) Math.min(millis, Math.max(1000, millis / (CONNECT_RETRIES + 2))));
        config.setRequestRetryBackoffLimit(CONNECT_RETRIES);
        config.setRequestRetryBackoffInterval(CONNECT_RETRY_INTERVAL_MILLIS);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            return OperatorSnapshotService.owning(client, ns, deployment, mode, timeout, options);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }
}
