package io.tidemark.cli;

import picocli.CommandLine.Option;

/** The options every subcommand takes, mixed into each of them. */
public final class CommonOptions {

    @Option(
            names = "--output",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "Output format: text or json (default: ${DEFAULT-VALUE}). With json, stdout holds"
                    + " one JSON document and everything else goes to stderr.")
    OutputFormat output = OutputFormat.TEXT;

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.")
    boolean verbose;

    public OutputFormat output() {
        return output;
    }

    public boolean verbose() {
        return verbose;
    }
}
