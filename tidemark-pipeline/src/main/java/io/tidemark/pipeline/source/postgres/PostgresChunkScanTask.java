package io.tidemark.pipeline.source.postgres;

import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.connector.postgresql.connection.PostgresReplicationConnection;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.base.source.reader.external.AbstractScanFetchTask;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresStreamFetchTask;
import org.apache.flink.cdc.connectors.postgres.source.fetch.StoppableChangeEventSourceContext;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetUtils;

/**
 * One snapshot chunk of a PostgreSQL table, read as Flink CDC reads it (low watermark, the chunk's
 * rows, high watermark, then the backfill: the changes made meanwhile, from the reader's backfill
 * slot), with two differences.
 *
 * <ul>
 *   <li>The backfill slot is a copy of the pipeline's slot, made once per reader and kept from chunk
 *       to chunk, advanced past each chunk's high watermark ({@link PipelineSlots}). Flink CDC 3.5
 *       created and dropped one per chunk, and a slot's creation waits for every transaction open
 *       on the server, so one idle transaction anywhere stopped the snapshot.
 *   <li>The rows are read by {@link PostgresChunkReader}: Flink CDC 3.5 reads them with {@code
 *       ResultSet.getObject}, which fails on money, numeric NaN and ±Infinity and hands bit strings
 *       and special dates over in forms Debezium's converters do not take.
 * </ul>
 */
final class PostgresChunkScanTask extends AbstractScanFetchTask {

    private Offset highWatermark;

    PostgresChunkScanTask(SnapshotSplit split) {
        super(split);
    }

    @Override
    public void execute(Context context) throws Exception {
        PostgresSourceFetchTaskContext ctx = (PostgresSourceFetchTaskContext) context;
        PostgresSourceConfig config = (PostgresSourceConfig) ctx.getSourceConfig();
        String backfillSlot = backfillSlotOf(ctx);
        // a copy waits for no transaction; where the server cannot copy (before PostgreSQL 12) the slot is
        // created as Flink CDC creates it, waiting for open transactions: before the low watermark either
        // way, since a slot reads only the WAL written after it was made
        if (!PipelineSlots.copyForBackfill(ctx.getConnection().connection(), config.getDbzProperties().getProperty("slot.name"),
                        backfillSlot)
                && !PipelineSlots.exists(ctx.getConnection().connection(), backfillSlot)) {
            ctx.getReplicationConnection().createReplicationSlot();
        }
        super.execute(context);
    }

    @Override
    protected void executeDataSnapshot(Context context) throws Exception {
        new PostgresChunkReader((PostgresSourceFetchTaskContext) context, snapshotSplit).read();
    }

    @Override
    protected void dispatchHighWaterMarkEvent(Context context, SourceSplitBase split, Offset highWatermark)
            throws Exception {
        this.highWatermark = highWatermark;
        super.dispatchHighWaterMarkEvent(context, split, highWatermark);
    }

    /** Streams the chunk's table from its low to its high watermark through the reader's backfill slot. */
    @Override
    protected void executeBackfillTask(Context context, StreamSplit backfill) throws Exception {
        PostgresSourceFetchTaskContext ctx = (PostgresSourceFetchTaskContext) context;
        PostgresOffsetContext from = PostgresOffsetUtils.getPostgresOffsetContext(
                new PostgresOffsetContext.Loader(ctx.getDbzConnectorConfig()), backfill.getStartingOffset());
        new PostgresStreamFetchTask.StreamSplitReadTask(
                        ctx.getDbzConnectorConfig(),
                        ctx.getSnapShotter(),
                        ctx.getConnection(),
                        ctx.getEventDispatcher(),
                        ctx.getWaterMarkDispatcher(),
                        ctx.getErrorHandler(),
                        ctx.getTaskContext().getClock(),
                        ctx.getDatabaseSchema(),
                        ctx.getTaskContext(),
                        ctx.getReplicationConnection(),
                        backfill)
                .execute(new StoppableChangeEventSourceContext(), ctx.getPartition(), from);
        // Still within the task: once it ends, the reader may configure the context for its next chunk,
        // which replaces the connections used here (an advance after that met a closed socket).
        // The slot stays for the reader's next chunk; only the connection that streamed from it closes.
        ((PostgresReplicationConnection) ctx.getReplicationConnection()).close(false);
        if (highWatermark instanceof PostgresOffset offset) {
            // the backfill closes the JDBC connection it shares; connection() opens it again
            PipelineSlots.advance(ctx.getConnection().connection(), backfillSlotOf(ctx), offset.getLsn().asLong());
        }
    }

    private static String backfillSlotOf(PostgresSourceFetchTaskContext ctx) {
        return ((PostgresSourceConfig) ctx.getSourceConfig()).getSlotNameForBackfillTask();
    }
}
