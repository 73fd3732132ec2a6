package io.tidemark.cli.drill;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark drill}: rehearsals of the spec's recovery scenarios that report how they went. */
@Command(
        name = "drill",
        mixinStandardHelpOptions = true,
        description = "Rehearse a recovery scenario on a running pipeline and report how it went.",
        subcommands = {CorruptionDrillCommand.class, DisasterRecoveryDrillCommand.class})
public final class DrillCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: corruption or dr");
    }
}
