package io.tidemark.cli.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code tidemark cluster}: a local Flink session cluster that outlives jobs, for trying the spec's
 * savepoint and restore scripts on one machine as against a cluster in production.
 */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = "Start, stop or show a local Flink session cluster (Web UI and REST API on loopback) that jobs"
                + " can be submitted to, cancelled and restored on, as on a cluster in production.",
        subcommands = {ClusterStartCommand.class, ClusterStopCommand.class, ClusterStatusCommand.class})
public final class ClusterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: start, stop or status");
    }
}
