package io.tidemark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark dlq}: the commands about a pipeline's dead-letter queue. */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "List, show, replay and purge the changes a pipeline's sinks rejected.",
        subcommands = {DlqListCommand.class, DlqShowCommand.class, DlqReplayCommand.class, DlqPurgeCommand.class})
public final class DlqCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list, show, replay or purge");
    }
}
