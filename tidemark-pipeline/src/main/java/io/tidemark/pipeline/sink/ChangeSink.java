package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;

import org.apache.flink.api.connector.sink2.Sink;

import java.io.Serializable;

/**
 * A sink of change events, as the job composer sees it: a name (used in the operator uid), the
 * Flink sink that applies the events, and a preparation step run once before the job starts.
 */
public interface ChangeSink extends Serializable {

    String name();

    Sink<ChangeEvent> createSink();

    /** Checks and prepares the target (tables, metadata) before the job is submitted. */
    default void prepare() throws Exception {}
}
