package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.SnapshotKind;

import picocli.CommandLine.Command;

import java.util.List;

/** {@code tidemark checkpoint list}: the retained checkpoints in the checkpoint directory, newest first. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List the checkpoints in the configured checkpoint directory (local or S3), newest first.")
public final class CheckpointListCommand extends SnapshotListCommand {

    @Override
    List<String> roots() throws Exception {
        return List.of(storage.checkpointDirectory());
    }

    @Override
    boolean lists(SnapshotKind kind) {
        return kind == SnapshotKind.CHECKPOINT;
    }
}
