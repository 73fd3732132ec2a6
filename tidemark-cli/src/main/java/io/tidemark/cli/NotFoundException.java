package io.tidemark.cli;

/** Something the user named (a savepoint, a file) does not exist; exit code {@link ExitCodes#NOT_FOUND}. */
public class NotFoundException extends Exception {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
