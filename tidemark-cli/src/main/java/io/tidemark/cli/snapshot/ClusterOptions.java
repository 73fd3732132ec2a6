package io.tidemark.cli.snapshot;

import io.tidemark.kubernetes.operator.OperatorTarget;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.rest.RestSnapshotService;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.time.Duration;

/**
 * Which Flink cluster a snapshot command talks to, and how: its REST endpoint ({@code --target
 * rest}, the default; {@code --rest-address} or {@code $TIDEMARK_REST_ADDRESS}), or a
 * FlinkDeployment of the Flink Kubernetes Operator ({@code --target kubernetes --deployment NAME
 * [--namespace NS]}, through the kubeconfig's current context). The spec's scripts set the
 * environment variables.
 */
public final class ClusterOptions {

    /** The environment variable that names the REST endpoint when {@code --rest-address} is not given. */
    public static final String REST_ADDRESS_ENV = "TIDEMARK_REST_ADDRESS";
    /** The environment variables for the operator target. */
    public static final String TARGET_ENV = "TIDEMARK_TARGET";
    public static final String DEPLOYMENT_ENV = "TIDEMARK_DEPLOYMENT";
    public static final String NAMESPACE_ENV = "TIDEMARK_NAMESPACE";

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    /** How the cluster is reached. */
    public enum Target {
        REST,
        KUBERNETES
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--target",
            paramLabel = "TARGET",
            defaultValue = "${env:" + TARGET_ENV + ":-rest}",
            description = "rest (a Flink REST endpoint) or kubernetes (a FlinkDeployment of the Flink Kubernetes"
                    + " Operator). Default: $" + TARGET_ENV + ", else rest.")
    Target target = Target.REST;

    @Option(
            names = "--rest-address",
            paramLabel = "URL",
            defaultValue = "${env:" + REST_ADDRESS_ENV + "}",
            description = "The Flink cluster's REST endpoint, e.g. http://flink-jobmanager:8081"
                    + " (default: $" + REST_ADDRESS_ENV + ").")
    String restAddress;

    @Option(
            names = "--deployment",
            paramLabel = "NAME",
            defaultValue = "${env:" + DEPLOYMENT_ENV + "}",
            description = "With --target kubernetes: the FlinkDeployment (default: $" + DEPLOYMENT_ENV + ").")
    String deployment;

    @Option(
            names = "--namespace",
            paramLabel = "NS",
            defaultValue = "${env:" + NAMESPACE_ENV + "}",
            description = "With --target kubernetes: its namespace (default: $" + NAMESPACE_ENV
                    + ", else the kubeconfig context's).")
    String namespace;

    /** Whether a cluster was named (some commands work on storage alone without one). */
    public boolean given() {
        return target == Target.KUBERNETES || (restAddress != null && !restAddress.isBlank());
    }

    /** Whether the cluster is an operator-managed FlinkDeployment. */
    public boolean kubernetes() {
        return target == Target.KUBERNETES;
    }

    /** The endpoint; a usage error if none was given or it is not an http(s) URL. */
    public URI restAddress() {
        if (restAddress == null || restAddress.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing --rest-address URL (or set " + REST_ADDRESS_ENV + "), e.g. http://localhost:8081");
        }
        return restAddress(restAddress, spec.commandLine(), "--rest-address");
    }

    /**
     * {@code address} as a REST endpoint: an http(s) URL, or a bare {@code host[:port]} (port 8081,
     * Flink's default); otherwise a usage error naming {@code option}.
     */
    public static URI restAddress(String address, CommandLine commandLine, String option) {
        String text = address.strip();
        if (!text.contains("://")) {
            text = "http://" + text + (text.contains(":") ? "" : ":8081"); // a bare host: Flink's default REST port
        }
        try {
            URI uri = URI.create(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandLine,
                    option + ": '" + address + "' is not a URL like http://host:8081");
        }
    }

    /** Connects to the cluster; every call the service makes has a timeout. */
    public SnapshotService connect() {
        if (target == Target.KUBERNETES) {
            if (deployment == null || deployment.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "missing --deployment NAME (or set " + DEPLOYMENT_ENV + "): the FlinkDeployment to work on");
            }
            return OperatorTarget.connect(namespace == null || namespace.isBlank() ? null : namespace, deployment, CALL_TIMEOUT);
        }
        return RestSnapshotService.connect(restAddress(), new Configuration(), CALL_TIMEOUT);
    }
}
