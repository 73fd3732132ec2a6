package io.tidemark.cli.snapshot;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark checkpoint}: a job's checkpoint status, the retained checkpoints, and a checkpoint on demand. */
@Command(
        name = "checkpoint",
        mixinStandardHelpOptions = true,
        description = "Show a job's checkpoint status, list retained checkpoints, or take a checkpoint now.",
        subcommands = {CheckpointStatusCommand.class, CheckpointListCommand.class, CheckpointTriggerCommand.class})
public final class CheckpointCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: status, list or trigger");
    }
}
