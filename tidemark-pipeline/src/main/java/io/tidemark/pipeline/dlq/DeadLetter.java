package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.RowValues;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One change a sink could not apply, with its context: where it came from, what it was, why it
 * failed and how often. {@link #entryId()} identifies it across restores: the same change of the
 * same row at the same source position is always the same entry, so a replayed failure after a
 * restore never adds it twice.
 */
public record DeadLetter(
        String pipeline,
        String sink,
        String sinkTable,
        ChangeEvent event,
        DeadLetterKind kind,
        String errorClass,
        String errorMessage,
        int attempts,
        Instant firstFailure,
        Instant lastFailure) {

    public DeadLetter {
        Objects.requireNonNull(pipeline, "pipeline cannot be null");
        Objects.requireNonNull(sink, "sink cannot be null");
        Objects.requireNonNull(sinkTable, "sinkTable cannot be null");
        Objects.requireNonNull(event, "event cannot be null");
        Objects.requireNonNull(kind, "kind cannot be null");
        Objects.requireNonNull(errorClass, "errorClass cannot be null");
        errorMessage = errorMessage == null ? "" : errorMessage;
        Objects.requireNonNull(firstFailure, "firstFailure cannot be null");
        Objects.requireNonNull(lastFailure, "lastFailure cannot be null");
    }

    /** The source row's primary key in its canonical text form. */
    public String rowKey() {
        return RowValues.keyString(event.keyValues());
    }

    /** Pipeline, sink, source table, key and position, hashed: the same change is the same entry. */
    public String entryId() {
        return entryId(pipeline, sink, event.table().toString(), rowKey(), event.position().value());
    }

    static String entryId(String pipeline, String sink, String sourceTable, String rowKey, long position) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {pipeline, sink, sourceTable, rowKey, Long.toString(position)}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
