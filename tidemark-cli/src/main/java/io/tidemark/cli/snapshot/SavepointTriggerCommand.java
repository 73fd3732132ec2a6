package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotService;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tidemark savepoint trigger JOB_ID}: takes a savepoint of a running job, waits until it is
 * complete, and prints its path on stdout (what {@code scripts/trigger_savepoint.sh} hands on).
 */
@Command(
        name = "trigger",
        mixinStandardHelpOptions = true,
        description = "Take a savepoint of a running job and print its path once it is complete.")
public final class SavepointTriggerCommand extends JobCommand {

    @Mixin
    SavepointOptions savepoint = new SavepointOptions();

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Override
    protected int execute() throws Exception {
        try (SnapshotService service = cluster.connect()) {
            SavepointResult result = service.triggerSavepoint(job(), savepoint.request(storage), progress());
            printSavepoint(result);
        }
        return ExitCodes.OK;
    }
}
