package io.tidemark.bench.phase;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The sink side of one run of a streaming phase: an empty sink made for the run, and the reads that
 * tell the bench what has arrived there. Through it one {@link StreamingJobPhase} times a job into
 * PostgreSQL ({@link PostgresSinkSide}) or into Redis ({@link RedisSinkSide}); closed after the run.
 */
interface SinkSide extends AutoCloseable {

    /** The rows the sink holds now. */
    long rows() throws Exception;

    /** The marker row's status, or null while the sink does not have it. */
    String markerStatus() throws Exception;

    /** Row count, version sum and a hash over every column of the rows the sink holds. */
    String checksum() throws Exception;

    /** The same checksum of the source table: equal to {@link #checksum()} once the sink holds exactly its rows. */
    String sourceChecksum(Connection source) throws SQLException;

    /**
     * Whether {@link #checksum()} is cheap enough to poll inside the measured window (one SQL
     * aggregate). If not (a read of every key), the window ends when the end marker arrives, and the
     * checksum is compared after it.
     */
    boolean checksumInWindow();

    /** Frees what the run left in the sink once the run is over and the side closed; by default nothing. */
    default void release() {}
}
