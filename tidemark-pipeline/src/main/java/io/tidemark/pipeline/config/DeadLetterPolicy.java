package io.tidemark.pipeline.config;

import java.util.Locale;

/** What happens to the later changes of a row once one of its changes is in the dead-letter queue. */
public enum DeadLetterPolicy {
    /** They wait in the queue behind it, so that a replay applies the row's changes in order. */
    PARK,
    /** They are applied as they come; a replay then skips the rejected change if a newer one landed. */
    CONTINUE;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
