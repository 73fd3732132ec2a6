package io.tidemark.cli.snapshot;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark savepoint}: take, stop with, list, dispose of and clean up savepoints. */
@Command(
        name = "savepoint",
        mixinStandardHelpOptions = true,
        description = "Trigger, stop with, list, dispose of and clean up savepoints.",
        subcommands = {
            SavepointTriggerCommand.class,
            SavepointStopCommand.class,
            SavepointListCommand.class,
            SavepointDisposeCommand.class,
            SavepointCleanupCommand.class
        })
public final class SavepointCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: trigger, stop, list, dispose or cleanup");
    }
}
