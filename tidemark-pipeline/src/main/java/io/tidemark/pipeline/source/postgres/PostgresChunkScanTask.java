package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresScanFetchTask;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;

/**
 * Flink CDC's snapshot-chunk task (backfill slot, low and high watermarks, backfill of the changes
 * made meanwhile) with the chunk's rows read by {@link PostgresChunkReader}: Flink CDC 3.5 reads
 * them with {@code ResultSet.getObject}, which fails on money, numeric NaN and ±Infinity and
 * hands bit strings and special dates over in forms Debezium's converters do not take, and a
 * snapshot that fails on one value restarts forever.
 */
final class PostgresChunkScanTask extends PostgresScanFetchTask {

    PostgresChunkScanTask(SnapshotSplit split) {
        super(split);
    }

    @Override
    protected void executeDataSnapshot(Context context) throws Exception {
        new PostgresChunkReader((PostgresSourceFetchTaskContext) context, snapshotSplit).read();
    }
}
