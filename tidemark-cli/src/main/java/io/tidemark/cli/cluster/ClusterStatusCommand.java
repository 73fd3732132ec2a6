package io.tidemark.cli.cluster;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.NotFoundException;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.cli.flink.LocalSessionCluster;
import io.tidemark.cli.flink.LocalSessionCluster.StoppedJob;
import io.tidemark.cli.flink.SessionClusterState;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code tidemark cluster status}: whether the local session cluster runs, its processes, slots and jobs. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show the local Flink session cluster: its address, processes, slots and running jobs"
                + " (exit 4 if none runs).")
public final class ClusterStatusCommand extends TidemarkCommand {

    @Mixin
    ClusterDirOption dir = new ClusterDirOption();

    @Override
    protected int execute() throws Exception {
        SessionClusterState cluster = LocalSessionCluster.running(dir.dir()).orElseThrow(() -> new NotFoundException(
                "no local Flink cluster runs from " + dir.dir() + "; start one with: tidemark cluster start"));
        Map<String, ProcessHandle> alive = cluster.alive();
        int[] slots = LocalSessionCluster.taskManagersAndSlots(cluster.restAddress());
        List<StoppedJob> jobs = LocalSessionCluster.runningJobs(cluster.restAddress());
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("restAddress", cluster.restAddress().toString());
            m.put("dir", cluster.dir().toString());
            m.put("startedAt", cluster.startedAt().toString());
            Map<String, Object> processes = new LinkedHashMap<>();
            cluster.roles().forEach(role -> processes.put(role, alive.containsKey(role) ? cluster.processes().get(role) : null));
            m.put("processes", processes);
            m.put("taskManagersRegistered", slots[0]);
            m.put("slotsAvailable", slots[1]);
            m.put("slotsTotal", slots[2]);
            List<Map<String, Object>> running = new ArrayList<>();
            jobs.forEach(job -> running.add(Map.of("jobId", job.id(), "name", job.name())));
            m.put("runningJobs", running);
            printJson(m);
            return ExitCodes.OK;
        }
        PrintStream out = out();
        line(out, "cluster", cluster.restAddress() + " (started " + cluster.startedAt().truncatedTo(ChronoUnit.SECONDS)
                + ", " + cluster.dir() + ")");
        for (String role : cluster.roles()) {
            line(out, role, alive.containsKey(role) ? "running, pid " + cluster.processes().get(role)
                    : "NOT RUNNING (see " + cluster.logDir().resolve(role + ".log") + ")");
        }
        line(out, "slots", slots[1] + " of " + slots[2] + " free on " + slots[0] + " registered TaskManager"
                + (slots[0] == 1 ? "" : "s"));
        if (jobs.isEmpty()) {
            line(out, "jobs", "none running");
        }
        for (StoppedJob job : jobs) {
            line(out, "job", job.id() + " " + job.name());
        }
        return ExitCodes.OK;
    }

    private static void line(PrintStream out, String label, String value) {
        out.println(String.format("%-15s%s", label + ":", value));
    }
}
