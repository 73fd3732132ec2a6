package io.tidemark.pipeline.dlq;

/** Why a change is in the dead-letter queue. */
public enum DeadLetterKind {
    /** The sink rejected the change itself (constraint, value too long, conversion, missing table). */
    REJECTED,
    /**
     * The change was fine but its row already had a rejected change in the queue; it waits behind
     * it so that the row's changes are applied in order when the queue is replayed.
     */
    PARKED
}
