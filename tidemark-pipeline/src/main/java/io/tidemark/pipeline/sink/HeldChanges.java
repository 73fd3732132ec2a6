package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;

import java.util.List;

/**
 * Changes a sink writer has received but not yet written, kept in the checkpoint instead: a sink in
 * source order holds the changes of a source transaction whose end it has not seen, so that no sink
 * commit shows part of it. The source's checkpointed position lies after these changes, so the
 * checkpoint is the only place they exist until the writer writes them.
 */
public record HeldChanges(List<ChangeEvent> changes) {

    public HeldChanges {
        changes = List.copyOf(changes);
    }
}
