package io.tidemark.cli.snapshot;

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
 * Which Flink cluster a snapshot command talks to: its REST endpoint, from {@code --rest-address}
 * or the {@code TIDEMARK_REST_ADDRESS} environment variable (what the spec's scripts set).
 */
public final class ClusterOptions {

    /** The environment variable that names the REST endpoint when {@code --rest-address} is not given. */
    public static final String REST_ADDRESS_ENV = "TIDEMARK_REST_ADDRESS";

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--rest-address",
            paramLabel = "URL",
            defaultValue = "${env:" + REST_ADDRESS_ENV + "}",
            description = "The Flink cluster's REST endpoint, e.g. http://flink-jobmanager:8081"
                    + " (default: $" + REST_ADDRESS_ENV + ").")
    String restAddress;

    /** Whether an endpoint was given (some commands work on storage alone without one). */
    public boolean given() {
        return restAddress != null && !restAddress.isBlank();
    }

    /** The endpoint; a usage error if none was given or it is not an http(s) URL. */
    public URI restAddress() {
        if (!given()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing --rest-address URL (or set " + REST_ADDRESS_ENV + "), e.g. http://localhost:8081");
        }
        String text = restAddress.strip();
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
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rest-address: '" + restAddress + "' is not a URL like http://host:8081");
        }
    }

    /** Connects to the endpoint; every call the service makes has a timeout. */
    public SnapshotService connect() {
        return RestSnapshotService.connect(restAddress(), new Configuration(), CALL_TIMEOUT);
    }
}
