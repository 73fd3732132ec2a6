package io.tidemark.pipeline.source;

/**
 * The source no longer holds the changes after the position a job would resume from (a dropped
 * replication slot, WAL or a binlog file gone). Resuming would skip those changes without a trace,
 * so a restore is refused with this; the CLI exits with its incompatible-state code.
 */
public final class SourcePositionLostException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public SourcePositionLostException(String message) {
        super(message);
    }
}
