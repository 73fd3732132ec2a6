package io.tidemark.cli.upgrade;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark upgrade}: the commands about moving a pipeline's state to a new version. */
@Command(
        name = "upgrade",
        mixinStandardHelpOptions = true,
        description = "Check a savepoint against a new version of the pipeline before restoring it.",
        subcommands = {UpgradeCheckCommand.class})
public final class UpgradeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check");
    }
}
