package io.tidemark.cli;

/**
 * Saved state (a savepoint or retained checkpoint) cannot be restored into the job, for example
 * because an operator's uid changed; exit code {@link ExitCodes#INCOMPATIBLE_STATE}.
 */
public class IncompatibleStateException extends Exception {

    private static final long serialVersionUID = 1L;

    public IncompatibleStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
