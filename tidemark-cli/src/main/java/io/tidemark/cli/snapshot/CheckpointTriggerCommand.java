package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.SnapshotService;

import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code tidemark checkpoint trigger JOB_ID}: takes a checkpoint now (e.g. before a risky change) and prints its id. */
@Command(
        name = "trigger",
        mixinStandardHelpOptions = true,
        description = "Take a checkpoint of a running job now; prints its id once it is complete.")
public final class CheckpointTriggerCommand extends JobCommand {

    @Override
    protected int execute() throws Exception {
        try (SnapshotService service = cluster.connect()) {
            long id = service.triggerCheckpoint(job(), progress());
            if (json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("jobId", job);
                m.put("checkpointId", id);
                printJson(m);
            } else {
                out().println(id);
            }
        }
        return ExitCodes.OK;
    }
}
