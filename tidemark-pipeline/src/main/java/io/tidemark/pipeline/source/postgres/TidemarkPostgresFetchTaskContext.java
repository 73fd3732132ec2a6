package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import io.debezium.connector.postgresql.connection.PostgresReplicationConnection;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * Flink CDC's PostgreSQL fetch context with its stream filter switched off: the stream reader asks
 * it for each change's position only to drop changes that lie at or before their snapshot chunk's
 * high watermark, which loses a transaction that commits after it. Every change is passed on
 * instead, and {@link SnapshotHandover} decides by commit in the record emitter. (In Flink CDC 3.5
 * {@code getStreamOffset} has no other caller; check that again on every upgrade.)
 *
 * <p>It also keeps the reader's snapshot backfill slot when it closes (Flink CDC drops it, and the
 * next chunk's new slot would wait for every transaction open on the server), and drops the
 * pipeline's backfill slots once the stream, which starts after the last chunk, starts
 * ({@link PipelineSlots}).
 */
final class TidemarkPostgresFetchTaskContext extends PostgresSourceFetchTaskContext {

    private static final Logger LOG = LoggerFactory.getLogger(TidemarkPostgresFetchTaskContext.class);

    TidemarkPostgresFetchTaskContext(JdbcSourceConfig sourceConfig, PostgresDialect dialect) {
        super(sourceConfig, dialect);
    }

    @Override
    public Offset getStreamOffset(SourceRecord sourceRecord) {
        return PostgresOffset.NO_STOPPING_OFFSET;
    }

    @Override
    public void configure(SourceSplitBase split) {
        super.configure(split);
        if (split.isStreamSplit() && StreamSplit.STREAM_SPLIT_ID.equals(split.splitId())) {
            String slot = ((PostgresSourceConfig) getSourceConfig()).getDbzProperties().getProperty("slot.name");
            try {
                PipelineSlots.dropBackfillSlots(getConnection().connection(), slot);
            } catch (SQLException e) {
                // they hold WAL until dropped: `tidemark source status` shows them, `pipeline drop` drops them
                LOG.warn("Could not drop the snapshot's backfill slots of {}: {}", slot, e.getMessage());
            }
        }
    }

    /** Closes the connections; the backfill slot stays for the reader's next chunk (see {@link PipelineSlots}). */
    @Override
    public void close() throws Exception {
        if (getConnection() != null) {
            getConnection().close();
        }
        if (getReplicationConnection() instanceof PostgresReplicationConnection replication) {
            replication.close(false);
        }
    }
}
