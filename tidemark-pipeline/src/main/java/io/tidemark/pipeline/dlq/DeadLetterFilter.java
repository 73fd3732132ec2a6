package io.tidemark.pipeline.dlq;

import java.time.Instant;
import java.util.Optional;

/**
 * Which entries a listing, a replay or a purge works on; every part is optional and an empty
 * filter matches everything.
 */
public record DeadLetterFilter(
        Optional<String> sink,
        Optional<String> sourceTable,
        Optional<String> rowKey,
        Optional<String> errorClass,
        Optional<Instant> from,
        Optional<Instant> to,
        boolean includeReplayed) {

    public static DeadLetterFilter all() {
        return new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true);
    }

    public static DeadLetterFilter pending() {
        return all().withReplayed(false);
    }

    public DeadLetterFilter withReplayed(boolean include) {
        return new DeadLetterFilter(sink, sourceTable, rowKey, errorClass, from, to, include);
    }

    public DeadLetterFilter withSink(String name) {
        return new DeadLetterFilter(Optional.of(name), sourceTable, rowKey, errorClass, from, to, includeReplayed);
    }

    /** Whether anything narrows the selection (a purge needs that, or an explicit --all). */
    public boolean isNarrowed() {
        return sink.isPresent() || sourceTable.isPresent() || rowKey.isPresent() || errorClass.isPresent()
                || from.isPresent() || to.isPresent();
    }
}
