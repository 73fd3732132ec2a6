package io.tidemark.snapshot.retention;

/** Why retention keeps a snapshot; a snapshot may be kept for several reasons at once. */
public enum KeepReason {
    /** A running job restored from it or writes it: deleting it could break that job's recovery. */
    IN_USE("in use by a running job"),
    /** The newest complete snapshot there is: never deleted, so that there is always one to restore from. */
    NEWEST_COMPLETE("newest complete snapshot"),
    /** Among the {@code --keep-last} newest complete snapshots. */
    KEEP_LAST("among the --keep-last newest complete"),
    /** Younger than {@code --max-age}. */
    YOUNGER_THAN_MAX_AGE("younger than --max-age"),
    /** Incomplete but young: Flink may still be writing it. */
    INCOMPLETE_IN_GRACE("incomplete but may still be being written"),
    /** Complete, under {@code --incomplete}, which deletes only abandoned snapshots. */
    COMPLETE("complete: --incomplete keeps every complete snapshot");

    private final String description;

    KeepReason(String description) {
        this.description = description;
    }

    /** A few words for a user, e.g. {@code "younger than --max-age"}. */
    public String description() {
        return description;
    }
}
