package io.tidemark.pipeline.source;

import io.tidemark.pipeline.event.ChangeEvent;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.Serializable;

/**
 * A source of change events, as the job composer sees it. Production uses one per source
 * database kind; tests can hand the composer their own.
 */
@FunctionalInterface
public interface ChangeSource extends Serializable {

    /** Adds the source to the job; {@code uid} is the stable operator uid to give it. */
    DataStream<ChangeEvent> createStream(StreamExecutionEnvironment env, String uid);

    /**
     * Checks, before the job is submitted, what would make the source fail later, and prepares
     * what the job needs in the source database.
     */
    default void prepare() throws Exception {}
}
