package io.tidemark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark pipeline}: a pipeline as a whole, beyond one job's life. */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description = "Work on a pipeline as a whole: drop what it created on its source and sinks.",
        subcommands = {PipelineDropCommand.class})
public final class PipelineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: drop");
    }
}
