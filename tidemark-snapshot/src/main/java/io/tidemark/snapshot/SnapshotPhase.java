package io.tidemark.snapshot;

/**
 * Where a running job's initial snapshot stands, as Flink CDC's split enumerator reports it in the
 * JobManager ({@code isSnapshotting}, {@code isStreamReading}, the snapshot splits processed and
 * remaining): what {@code tidemark run} prints progress from, and when it stops.
 *
 * @param known whether the job reports these at all (a job without a Flink CDC source does not)
 * @param snapshotting whether it still reads snapshot chunks
 * @param streaming whether it reads the change stream
 * @param chunksProcessed the snapshot chunks read so far
 * @param chunksRemaining the chunks of the tables split so far that wait to be read
 * @param tablesRemaining the captured tables whose snapshot has not finished
 */
public record SnapshotPhase(
        boolean known, boolean snapshotting, boolean streaming, long chunksProcessed, long chunksRemaining,
        long tablesRemaining) {

    /** A job that does not say. */
    public static final SnapshotPhase UNKNOWN = new SnapshotPhase(false, false, false, 0, 0, 0);
}
