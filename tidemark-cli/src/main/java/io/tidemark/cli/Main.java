package io.tidemark.cli;

import io.tidemark.cli.cluster.ClusterCommand;
import io.tidemark.cli.drill.DrillCommand;
import io.tidemark.cli.kubernetes.ManifestCommand;
import io.tidemark.cli.reconcile.ReconcileCommand;
import io.tidemark.cli.schema.SchemaChangeCommand;
import io.tidemark.cli.snapshot.CheckpointCommand;
import io.tidemark.cli.snapshot.SavepointCommand;
import io.tidemark.cli.upgrade.UpgradeCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code tidemark} command: lists the subcommands and runs one. {@link #run} is the testable
 * entry point and returns the exit code; only {@link #main} exits the JVM.
 */
@Command(
        name = "tidemark",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Tidemark: a Flink CDC pipeline from PostgreSQL and MySQL/MariaDB to JDBC databases and Redis with"
                + " exactly-once effect, a dead-letter queue for what a sink rejects, and the tooling around its checkpoints"
                + " and savepoints.",
        subcommands = {
            ConfigCommand.class,
            RunCommand.class,
            ClusterCommand.class,
            RestoreCommand.class,
            SavepointCommand.class,
            CheckpointCommand.class,
            ManifestCommand.class,
            DlqCommand.class,
            SourceCommand.class,
            PipelineCommand.class,
            ReconcileCommand.class,
            UpgradeCommand.class,
            SchemaChangeCommand.class,
            DrillCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage, 3 bad configuration, 4 not found, 5 timeout,"
                + " 6 incompatible state, 7 cluster unreachable, 8 not a snapshot, 9 corrupt snapshot, 130 interrupted."})
public final class Main implements Callable<Integer> {

    public static final String PREFIX = "tidemark: ";

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Words longer than this in an error line are cut short: a line stays readable whatever was pasted. */
    static final int LONGEST_WORD = 240;
    private static final Pattern LONG_WORD = Pattern.compile("\\S{" + (LONGEST_WORD + 1) + ",}");

    /** Runs {@code tidemark args}, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        boolean interactive = out == System.out && System.console() != null;
        return commandLine(new Terminal(out, err, interactive)).execute(args);
    }

    static CommandLine commandLine(Terminal terminal) {
        CommandLine commandLine = new CommandLine(new Main(), new Factory(terminal));
        commandLine.setOut(writer(terminal.out()));
        commandLine.setErr(writer(terminal.err()));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler(Main::usageError);
        commandLine.setExecutionExceptionHandler(Main::executionError);
        commandLine.setExitCodeExceptionMapper(ExitCodes::of);
        return commandLine;
    }

    /** Without a subcommand: the usage, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine failed = e.getCommandLine();
        PrintWriter err = failed.getErr();
        err.println(PREFIX + oneLine(e.getMessage()) + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCodes.of(e);
    }

    private static int executionError(Exception e, CommandLine failed, ParseResult parseResult) {
        PrintWriter err = failed.getErr();
        report(e, err, failed.getCommand() instanceof TidemarkCommand command && command.verbose());
        return ExitCodes.of(e);
    }

    /** Prints {@code e} as {@code tidemark: <line>} lines, and its stack trace if {@code verbose}. */
    static void report(Throwable e, PrintWriter err, boolean verbose) {
        List<String> lines = ExitCodes.messages(e);
        for (String line : lines) {
            err.println(PREFIX + shortenLongWords(line));
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
    }

    private static String oneLine(String message) {
        return message == null ? "invalid command line" : shortenLongWords(message.strip().replaceAll("\\s*\\R\\s*", "; "));
    }

    /** A word longer than {@link #LONGEST_WORD} (a pasted value, most likely) cut short, with its length. */
    static String shortenLongWords(String line) {
        Matcher m = LONG_WORD.matcher(line);
        StringBuilder shortened = new StringBuilder();
        while (m.find()) {
            String word = m.group();
            m.appendReplacement(shortened, Matcher.quoteReplacement(
                    word.substring(0, LONGEST_WORD) + "...(" + word.length() + " characters)"));
        }
        return m.appendTail(shortened).toString();
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(stream, true);
    }

    /** Creates the commands, handing each one the terminal it writes to. */
    private record Factory(Terminal terminal) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K instance = CommandLine.defaultFactory().create(type);
            if (instance instanceof TidemarkCommand command) {
                command.attach(terminal);
            }
            return instance;
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tidemark " + (version == null ? "(development build)" : version)};
        }
    }
}
