package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code tidemark checkpoint status JOB_ID}: what an on-call engineer checks first: is the job
 * checkpointing, when did the last checkpoint complete, what failed, what did the job restore from,
 * and does its configuration follow the spec (interval, timeout, min pause, retention).
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show a job's checkpoint counts, latest completed/failed checkpoint and savepoint, what it"
                + " restored from, and its checkpoint configuration.")
public final class CheckpointStatusCommand extends JobCommand {

    @Override
    protected int execute() throws Exception {
        JobID id = job();
        try (SnapshotService service = cluster.connect()) {
            JobSummary summary = service.job(id);
            CheckpointStatus status = service.checkpointStatus(id);
            if (json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("jobId", id.toString());
                m.put("name", summary.name());
                m.put("state", summary.status().name());
                m.put("checkpoints", json(status));
                printJson(m);
            } else {
                print(summary, status);
            }
        }
        return ExitCodes.OK;
    }

    private void print(JobSummary summary, CheckpointStatus s) {
        PrintStream out = out();
        out.println("job " + summary.id() + " (" + summary.name() + "): " + summary.status());
        CheckpointStatus.Counts c = s.counts();
        out.println("checkpoints: " + c.completed() + " completed, " + c.failed() + " failed, " + c.inProgress()
                + " in progress, " + c.restored() + " restored (" + c.triggered() + " triggered)");
        out.println("latest completed: " + completed(s.latestCompleted()));
        out.println("latest savepoint: " + completed(s.latestSavepoint()));
        out.println("latest failed:    " + (s.latestFailed() == null ? "none"
                : "#" + s.latestFailed().id() + " at " + s.latestFailed().failedAt() + ": " + s.latestFailed().message()));
        out.println("restored from:    " + (s.restored() == null ? "nothing (a fresh start)"
                : (s.restored().savepoint() ? "savepoint " : "checkpoint ") + "#" + s.restored().id() + " "
                        + s.restored().externalPath()));
        CheckpointStatus.Config k = s.config();
        out.println("configuration:    " + k.mode() + ", interval " + human(k.interval()) + ", timeout "
                + human(k.timeout()) + ", min pause " + human(k.minPause()) + ", max concurrent "
                + k.maxConcurrent() + ", externalized " + (!k.externalizationEnabled() ? "off"
                        : k.retainOnCancellation() ? "RETAIN_ON_CANCELLATION" : "DELETE_ON_CANCELLATION")
                + (k.checkpointStorage() == null ? "" : ", storage " + k.checkpointStorage())
                + (k.stateBackend() == null ? "" : ", state backend " + k.stateBackend()));
    }

    private static Map<String, Object> json(CheckpointStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        CheckpointStatus.Counts c = s.counts();
        m.put("counts", Map.of("triggered", c.triggered(), "inProgress", c.inProgress(), "completed", c.completed(),
                "failed", c.failed(), "restored", c.restored()));
        m.put("latestCompleted", json(s.latestCompleted()));
        m.put("latestSavepoint", json(s.latestSavepoint()));
        Map<String, Object> failed = null;
        if (s.latestFailed() != null) {
            failed = new LinkedHashMap<>();
            failed.put("id", s.latestFailed().id());
            failed.put("failedAt", s.latestFailed().failedAt().toString());
            failed.put("message", s.latestFailed().message());
        }
        m.put("latestFailed", failed);
        Map<String, Object> restored = null;
        if (s.restored() != null) {
            restored = new LinkedHashMap<>();
            restored.put("id", s.restored().id());
            restored.put("restoredAt", s.restored().restoredAt().toString());
            restored.put("path", s.restored().externalPath());
            restored.put("savepoint", s.restored().savepoint());
        }
        m.put("restoredFrom", restored);
        CheckpointStatus.Config k = s.config();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("mode", k.mode());
        config.put("intervalMillis", k.interval().toMillis());
        config.put("timeoutMillis", k.timeout().toMillis());
        config.put("minPauseMillis", k.minPause().toMillis());
        config.put("maxConcurrent", k.maxConcurrent());
        config.put("externalizationEnabled", k.externalizationEnabled());
        config.put("retainOnCancellation", k.retainOnCancellation());
        config.put("checkpointStorage", k.checkpointStorage());
        config.put("stateBackend", k.stateBackend());
        m.put("configuration", config);
        return m;
    }

    private static Map<String, Object> json(CheckpointStatus.Completed c) {
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("completedAt", c.completedAt().toString());
        m.put("path", c.externalPath());
        m.put("stateSizeBytes", c.stateSizeBytes());
        m.put("durationMillis", c.duration().toMillis());
        return m;
    }

    private static String completed(CheckpointStatus.Completed c) {
        return c == null ? "none" : "#" + c.id() + " at " + c.completedAt() + ", " + bytes(c.stateSizeBytes()) + ", took "
                + c.duration().toMillis() + " ms" + (c.externalPath() == null ? "" : ", " + c.externalPath());
    }

    /** Whole seconds as {@code 30s}, anything finer as {@code 200ms} (a sub-second min pause is not 0s). */
    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
