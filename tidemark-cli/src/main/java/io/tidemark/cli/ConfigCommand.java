package io.tidemark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark config}: the commands about pipeline files. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Work with pipeline files.",
        subcommands = {ConfigCheckCommand.class})
public final class ConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check");
    }
}
