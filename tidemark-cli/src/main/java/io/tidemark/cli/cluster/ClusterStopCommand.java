package io.tidemark.cli.cluster;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.cli.flink.LocalSessionCluster;
import io.tidemark.cli.flink.LocalSessionCluster.StoppedJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tidemark cluster stop}: ends every process of the local session cluster. Jobs still running
 * are named with their last checkpoint, from which {@code tidemark restore} resumes them.
 */
@Command(
        name = "stop",
        mixinStandardHelpOptions = true,
        description = "Stop the local Flink session cluster: its JobManager and TaskManagers end; running jobs are"
                + " named with their last checkpoint to restore from.")
public final class ClusterStopCommand extends TidemarkCommand {

    @Mixin
    ClusterDirOption dir = new ClusterDirOption();

    @Override
    protected int execute() throws Exception {
        Optional<List<StoppedJob>> stopped = LocalSessionCluster.stop(dir.dir());
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dir", dir.dir().toString());
            m.put("stopped", stopped.isPresent());
            List<Map<String, Object>> jobs = new ArrayList<>();
            stopped.orElse(List.of()).forEach(job -> {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("jobId", job.id());
                j.put("name", job.name());
                j.put("lastCheckpoint", job.lastCheckpoint().orElse(null));
                jobs.add(j);
            });
            m.put("runningJobs", jobs);
            printJson(m);
            return ExitCodes.OK;
        }
        if (stopped.isEmpty()) {
            err().println(Main.PREFIX + "no local Flink cluster was started from " + dir.dir() + "; nothing to stop");
            return ExitCodes.OK;
        }
        for (StoppedJob job : stopped.get()) {
            err().println(Main.PREFIX + "job " + job.id() + " (" + job.name() + ") was running; " + job.lastCheckpoint()
                    .map(path -> "its last checkpoint, to restore from: " + path)
                    .orElse("it had completed no checkpoint"));
        }
        err().println(Main.PREFIX + "stopped the local Flink cluster in " + dir.dir());
        return ExitCodes.OK;
    }
}
