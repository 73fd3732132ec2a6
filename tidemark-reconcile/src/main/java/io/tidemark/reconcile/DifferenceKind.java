package io.tidemark.reconcile;

/** How a key differs between source and sink. */
public enum DifferenceKind {
    /** The source has the row, the sink does not. */
    MISSING,
    /** The sink has a row the source does not (for example, of a deleted row). */
    EXTRA,
    /** Both have the row, with another value in at least one column. */
    DIFFERENT
}
