package io.tidemark.cli;

import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.pipeline.source.SourcePositionLostException;
import io.tidemark.snapshot.SnapshotException;

import picocli.CommandLine;

import java.io.FileNotFoundException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The exit codes of {@code tidemark}, one per kind of failure, and the one place where an exception
 * is mapped to its code and to the lines printed for it, so that scripts can tell a bad file from a
 * timeout without parsing messages.
 */
public final class ExitCodes {

    /** The command did what was asked. */
    public static final int OK = 0;
    /** Anything not covered by a more specific code, including a failed reconciliation. */
    public static final int FAILURE = 1;
    /** The command line itself is wrong: unknown option, missing parameter. */
    public static final int USAGE = 2;
    /** The pipeline file has problems. */
    public static final int BAD_CONFIGURATION = 3;
    /** Something named on the command line does not exist (a savepoint, a file). */
    public static final int NOT_FOUND = 4;
    /** Something did not happen within its deadline. */
    public static final int TIMEOUT = 5;
    /** Saved state cannot be used by this job (a savepoint that does not match its operators). */
    public static final int INCOMPATIBLE_STATE = 6;
    /** The Flink cluster (its REST API) cannot be reached. */
    public static final int UNREACHABLE = 7;
    /** A path named as a savepoint or checkpoint holds none (no {@code _metadata}). */
    public static final int NOT_A_SNAPSHOT = 8;
    /** A snapshot's {@code _metadata} cannot be read: the snapshot cannot be restored from. */
    public static final int CORRUPT_SNAPSHOT = 9;
    /** Stopped by Ctrl-C (128 + SIGINT, as a shell reports it). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {}

    /** The exit code for {@code error}, looking through the wrappers of asynchronous calls. */
    public static int of(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        if (e instanceof ConfigException) {
            return BAD_CONFIGURATION;
        }
        if (e instanceof SnapshotException snapshot) {
            return switch (snapshot.reason()) {
                case JOB_NOT_FOUND, SNAPSHOT_NOT_FOUND -> NOT_FOUND;
                case NOT_A_SNAPSHOT -> NOT_A_SNAPSHOT;
                case CORRUPT_SNAPSHOT -> CORRUPT_SNAPSHOT;
                case CLUSTER_UNREACHABLE -> UNREACHABLE;
                case INCOMPATIBLE_STATE -> INCOMPATIBLE_STATE;
                case OPERATION_FAILED -> FAILURE;
            };
        }
        if (e instanceof NotFoundException || e instanceof NoSuchFileException || e instanceof FileNotFoundException) {
            return NOT_FOUND;
        }
        if (e instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (e instanceof IncompatibleStateException || e instanceof SourcePositionLostException) {
            return INCOMPATIBLE_STATE;
        }
        if (e instanceof InterruptedException) {
            return INTERRUPTED; // Ctrl-C during a wait, such as a dead-letter replay between entries
        }
        return FAILURE;
    }

    /**
     * What to print for {@code error}, one line each (without the {@code tidemark: } prefix): every
     * problem of a {@link ConfigException}, otherwise the lines of the message.
     */
    public static List<String> messages(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof ConfigException config) {
            return config.problems();
        }
        String message = e.getMessage();
        if (e instanceof NoSuchFileException missing) {
            message = missing.getFile() + ": no such file";
        } else if (message == null || message.isBlank()) {
            message = e instanceof TimeoutException ? "timed out" : e.getClass().getName();
        }
        List<String> lines = new ArrayList<>();
        message.lines().filter(line -> !line.isBlank()).forEach(lines::add);
        return lines;
    }

    /** The exception that says what went wrong, without the wrappers of futures and reflection. */
    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof ExecutionException
                        || e instanceof CompletionException
                        || e instanceof UndeclaredThrowableException
                        || e instanceof InvocationTargetException
                        || e instanceof CommandLine.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
