package io.tidemark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark source}: what a pipeline holds on its source database. */
@Command(
        name = "source",
        mixinStandardHelpOptions = true,
        description = "Show what a pipeline holds on its source: its replication slot and publication (PostgreSQL).",
        subcommands = {SourceStatusCommand.class})
public final class SourceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: status");
    }
}
