package io.tidemark.pipeline.source;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

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

    /**
     * Checks, before a job resumes from a checkpoint or savepoint, that the source still holds the
     * changes after the position it resumes from.
     *
     * @throws SourcePositionLostException if they are gone: resuming would skip them
     */
    default void checkResumable() throws Exception {}

    /**
     * {@link #checkResumable()}, and, where the source can tell, that the source still holds the
     * changes after the position the source operator {@code uid} resumes from in the savepoint or
     * checkpoint at {@code restorePath}.
     */
    default void checkResumable(String restorePath, String uid) throws Exception {
        checkResumable();
    }

    /**
     * How far the source has moved on since the position the source operator {@code uid} resumes
     * from in the savepoint or checkpoint at {@code restorePath}: the changes a restore must replay,
     * in the source's own measure (bytes of WAL for PostgreSQL); empty where the source cannot tell,
     * or where the savepoint holds no stream position yet (taken while the readers held only
     * snapshot chunks).
     */
    default java.util.OptionalLong bytesBehind(String restorePath, String uid) throws Exception {
        return java.util.OptionalLong.empty();
    }

    /**
     * The primary key columns of each captured table, read from the source before the job is
     * submitted, so that sinks can check theirs match; empty where the source cannot tell.
     */
    default Map<TableId, List<String>> primaryKeys() throws Exception {
        return Map.of();
    }
}
