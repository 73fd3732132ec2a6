package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.SavepointResult;
import io.tidemark.snapshot.SnapshotService;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tidemark savepoint stop JOB_ID}: stops a job with a savepoint (the safe way to stop before
 * an upgrade) and prints the savepoint's path once the job has finished.
 */
@Command(
        name = "stop",
        mixinStandardHelpOptions = true,
        description = "Stop a job with a savepoint; prints the savepoint's path once the job has finished.")
public final class SavepointStopCommand extends JobCommand {

    @Option(
            names = "--drain",
            description = "Emit the final watermark before stopping: for a job that will not be resumed.")
    boolean drain;

    @Mixin
    SavepointOptions savepoint = new SavepointOptions();

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Override
    protected int execute() throws Exception {
        try (SnapshotService service = cluster.connect()) {
            SavepointResult result = service.stopWithSavepoint(job(), savepoint.request(storage), drain, progress());
            printSavepoint(result);
        }
        return ExitCodes.OK;
    }
}
