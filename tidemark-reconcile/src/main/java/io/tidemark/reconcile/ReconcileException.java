package io.tidemark.reconcile;

/**
 * A table that cannot be compared as the pipeline file describes it (a missing table or column, no
 * primary key), with a one-line message that names the side and what would fix it.
 */
public class ReconcileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ReconcileException(String message) {
        super(message);
    }

    public ReconcileException(String message, Throwable cause) {
        super(message, cause);
    }
}
