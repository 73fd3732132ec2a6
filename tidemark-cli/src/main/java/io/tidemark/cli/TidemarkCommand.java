package io.tidemark.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * The base of every {@code tidemark} subcommand: the common options, the streams to write to, and
 * JSON output. A subcommand returns its exit code or throws; {@link Main} turns an exception into
 * one line on stderr and an exit code through {@link ExitCodes}.
 */
public abstract class TidemarkCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    @Mixin
    protected CommonOptions common = new CommonOptions();

    @Spec
    protected CommandSpec spec;

    private Terminal terminal;

    /** Called by {@link Main}'s factory before the command runs. */
    void attach(Terminal terminal) {
        this.terminal = terminal;
    }

    protected Terminal terminal() {
        return terminal == null ? Terminal.system() : terminal;
    }

    /** Where the command's result goes. */
    protected PrintStream out() {
        return terminal().out();
    }

    /** Where errors and warnings go. */
    protected PrintStream err() {
        return terminal().err();
    }

    /**
     * Where narration (progress, steps) goes: stdout for text output, stderr for JSON output, so
     * that stdout holds only the JSON document.
     */
    protected PrintStream narration() {
        return json() ? err() : out();
    }

    protected boolean json() {
        return common.output() == OutputFormat.JSON;
    }

    public boolean verbose() {
        return common.verbose();
    }

    /** Prints {@code value} as one JSON document on stdout. */
    protected void printJson(Object value) {
        try {
            out().println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON output: " + e.getOriginalMessage(), e);
        }
        out().flush();
    }

    @Override
    public final Integer call() throws Exception {
        return execute();
    }

    /** Runs the command; returns its exit code, one of {@link ExitCodes}. */
    protected abstract int execute() throws Exception;
}
