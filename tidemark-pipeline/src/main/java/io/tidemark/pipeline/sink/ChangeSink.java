package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.api.connector.sink2.Sink;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A sink of change events, as the job composer sees it: a name (used in the operator uid), the
 * Flink sink that applies the events, and a preparation step run once before the job starts.
 */
public interface ChangeSink extends Serializable {

    String name();

    Sink<ChangeEvent> createSink();

    /**
     * Whether the sink must receive every change in source order, on one subtask, instead of
     * partitioned by row over the job's parallelism.
     */
    default boolean appliesInSourceOrder() {
        return false;
    }

    /** Checks and prepares the target (tables, metadata) before the job is submitted. */
    default void prepare() throws Exception {}

    /**
     * {@link #prepare()}, knowing each source table's primary key columns (empty where the source
     * could not tell), so that the sink can check that its tables have the same keys.
     */
    default void prepare(Map<TableId, List<String>> sourceKeys) throws Exception {
        prepare();
    }
}
