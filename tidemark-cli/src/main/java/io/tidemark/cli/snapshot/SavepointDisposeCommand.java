package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.SnapshotService;
import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.storage.SnapshotStorage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code tidemark savepoint dispose PATH}: deletes one savepoint. The path must hold a snapshot
 * (anything else is refused, nothing deleted). With a REST address the cluster disposes of it, as
 * {@code flink savepoint --dispose} does (it can reach storage the CLI cannot); without one it is
 * deleted from storage directly, {@code _metadata} first so that an interrupted deletion never
 * leaves something that looks restorable.
 */
@Command(
        name = "dispose",
        mixinStandardHelpOptions = true,
        description = "Delete one savepoint (through the cluster with --rest-address, else from storage directly).")
public final class SavepointDisposeCommand extends SnapshotCommand {

    @Parameters(paramLabel = "PATH", description = "The savepoint directory, e.g. s3://bucket/savepoints/savepoint-1a2b3c-0123456789ab.")
    String path;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    StorageOptions storageOptions = new StorageOptions();

    @Override
    protected int execute() throws Exception {
        SnapshotStorage storage = storageOptions.storage();
        SnapshotInfo snapshot = storage.inspect(path); // refuses what is not a snapshot before anything is deleted
        long freed;
        if (cluster.given()) {
            try (SnapshotService service = cluster.connect()) {
                service.disposeSavepoint(snapshot.path(), progress());
            }
            freed = snapshot.sizeBytes();
        } else {
            freed = storage.delete(snapshot);
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("disposed", snapshot.path());
            m.put("bytesFreed", freed);
            printJson(m);
        } else {
            out().println("disposed " + snapshot.path() + " (" + bytes(freed) + ")");
        }
        return ExitCodes.OK;
    }
}
