package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.SnapshotKind;

import picocli.CommandLine.Command;

import java.util.List;

/** {@code tidemark savepoint list}: what can be restored from: savepoints and retained checkpoints, newest first. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List savepoints and retained checkpoints in the configured directories (local or S3), newest"
                + " first: job, checkpoint id, time, size, complete or not. Finds snapshots any tool wrote.")
public final class SavepointListCommand extends SnapshotListCommand {

    @Override
    List<String> roots() throws Exception {
        return storage.allDirectories();
    }

    @Override
    boolean lists(SnapshotKind kind) {
        return true;
    }
}
