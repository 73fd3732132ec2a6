package io.tidemark.cli.cluster;

import io.tidemark.cli.flink.LocalSessionCluster;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where a local cluster keeps its configuration, logs, savepoints and pids: one cluster per directory. */
final class ClusterDirOption {

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "The cluster's directory: configuration, logs, default savepoints and the pids that"
                    + " `cluster stop` ends (default: $" + LocalSessionCluster.DIR_ENV + ", else ~/.tidemark/cluster).")
    Path dir;

    Path dir() {
        return (dir != null ? dir : LocalSessionCluster.defaultDir()).toAbsolutePath().normalize();
    }
}
