package io.tidemark.cli.cluster;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.cli.flink.LocalSessionCluster;
import io.tidemark.cli.flink.SessionClusterState;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tidemark cluster start}: starts a local Flink session cluster in the background and prints
 * its REST address on stdout (what {@code TIDEMARK_REST_ADDRESS} is set to for the spec's scripts).
 */
@Command(
        name = "start",
        mixinStandardHelpOptions = true,
        description = "Start a local Flink session cluster in the background (one JobManager, N TaskManagers, as"
                + " Flink's start-cluster.sh does) and print its REST address; it runs until `tidemark cluster stop`.")
public final class ClusterStartCommand extends TidemarkCommand {

    @Option(names = "--port", paramLabel = "PORT", description = "The REST API's and Web UI's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port = 8081;

    @Option(names = "--task-managers", paramLabel = "N", description = "How many TaskManager processes (default: ${DEFAULT-VALUE}).")
    int taskManagers = 1;

    @Option(names = "--slots", paramLabel = "N", description = "Task slots per TaskManager (default: ${DEFAULT-VALUE}).")
    int slots = 4;

    @Option(
            names = {"-D", "--flink-option"},
            paramLabel = "KEY=VALUE",
            description = "A Flink configuration option for the cluster, e.g. -D taskmanager.memory.process.size=4g"
                    + " (repeatable).")
    Map<String, String> flinkOptions = new LinkedHashMap<>();

    @Mixin
    ClusterDirOption dir = new ClusterDirOption();

    @Override
    protected int execute() throws Exception {
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port: " + port + " is not a port (1-65535)");
        }
        if (taskManagers < 1 || slots < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--task-managers and --slots must be 1 or more");
        }
        Optional<SessionClusterState> running = LocalSessionCluster.running(dir.dir());
        if (running.isPresent()) {
            throw new IllegalStateException(LocalSessionCluster.alreadyRuns(running.get()));
        }
        if (!LocalSessionCluster.portFree(port)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port: 127.0.0.1:" + port
                    + " is already in use (another Flink cluster?); choose a free port with --port");
        }
        err().println(Main.PREFIX + "starting a local Flink session cluster in " + dir.dir() + ": a JobManager and "
                + taskManagers + " TaskManager" + (taskManagers == 1 ? "" : "s") + " with " + slots + " slot"
                + (slots == 1 ? "" : "s") + " each ...");
        SessionClusterState cluster = LocalSessionCluster.start(
                new LocalSessionCluster.Settings(dir.dir(), port, taskManagers, slots, flinkOptions));
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("restAddress", cluster.restAddress().toString());
            m.put("dir", cluster.dir().toString());
            m.put("logs", cluster.logDir().toString());
            m.put("processes", cluster.processes());
            printJson(m);
        } else {
            out().println(cluster.restAddress());
        }
        err().println(Main.PREFIX + "Flink Web UI and REST API at " + cluster.restAddress() + "; logs in "
                + cluster.logDir() + "; savepoints default to " + cluster.dir().resolve("savepoints"));
        err().println(Main.PREFIX + "submit a pipeline with: tidemark run --rest-address " + cluster.restAddress()
                + " PIPELINE.yaml; stop the cluster with: tidemark cluster stop" + dirArgument());
        return ExitCodes.OK;
    }

    private String dirArgument() {
        return dir.dir == null ? "" : " --dir " + dir.dir();
    }
}
