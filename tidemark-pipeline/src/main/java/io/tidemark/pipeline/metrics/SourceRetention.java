package io.tidemark.pipeline.metrics;

import java.io.Serializable;

/**
 * What a source database keeps for the job, read on a side connection: how much change log the
 * source retains for it and whether it still holds the position the last completed checkpoint
 * needs. A replication slot that stops advancing fills PostgreSQL's disk with WAL; a binlog file
 * purged from under a checkpoint makes every restore skip changes. Both are silent until too late
 * unless someone watches these numbers ({@link SourceRetentionGauges}).
 */
@FunctionalInterface
public interface SourceRetention extends Serializable {

    /** Reads the source now; each value may be {@link Double#NaN} where the source cannot tell. */
    Reading read() throws Exception;

    /**
     * One reading.
     *
     * @param backlogBytes change log between the position the last completed checkpoint confirmed and
     *     the source's current end: what a restore now would replay
     * @param retainedBytes change log the source keeps on disk because of the job (PostgreSQL: from
     *     the slot's restart LSN; MySQL/MariaDB: from the checkpoint's binlog position)
     * @param purgeMarginBytes how far the source is from losing what the checkpoint needs
     *     (PostgreSQL: the slot's {@code safe_wal_size}, NaN without {@code max_slot_wal_keep_size};
     *     MySQL/MariaDB: binlog bytes on the server before the checkpoint's position)
     * @param positionAvailable 1 while the source holds the checkpoint's position, 0 once it is lost
     *     (the slot is gone or lost its WAL; the binlog file was purged)
     */
    record Reading(double backlogBytes, double retainedBytes, double purgeMarginBytes, double positionAvailable) {

        /** Nothing known (no checkpoint yet, or the source could not be read). */
        public static final Reading UNKNOWN = new Reading(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
}
