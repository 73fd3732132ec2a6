package io.tidemark.cli.kubernetes;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code tidemark manifest}: the commands about Kubernetes manifests. */
@Command(
        name = "manifest",
        mixinStandardHelpOptions = true,
        description = "Check Kubernetes manifests (FlinkDeployment) against the checkpoint and savepoint strategy.",
        subcommands = {ManifestCheckCommand.class})
public final class ManifestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check");
    }
}
