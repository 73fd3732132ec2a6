package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.base.source.meta.split.FinishedSnapshotSplitInfo;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplitState;
import org.apache.flink.cdc.connectors.base.utils.SourceRecordUtils;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.postgres.source.utils.ChunkUtils;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.table.types.logical.RowType;

import io.debezium.relational.Table;
import io.debezium.relational.TableId;
import io.debezium.relational.history.TableChanges.TableChange;
import io.debezium.util.SchemaNameAdjuster;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a streamed PostgreSQL change stands against the snapshot chunk that holds its row, decided
 * by when its transaction commits rather than where the change itself lies in the WAL.
 *
 * <p>A chunk's rows show the table as of the chunk's high watermark (HW): the chunk SELECT plus the
 * backfill hold every transaction whose commit record ends at or before HW, and none that ends
 * after it. A change belongs after the chunk iff its transaction commits after HW. Flink CDC decides
 * by the change's own LSN instead, which loses a transaction that changed the row before HW and
 * commits after it (issue 13): it is in neither the chunk nor, by Flink CDC's filter, the stream.
 * So Tidemark switches that filter off ({@link TidemarkPostgresFetchTaskContext}) and decides here:
 *
 * <ul>
 *   <li>a change after its chunk's HW ({@link #AFTER}) is emitted at once, at its own LSN: its
 *       transaction commits after the change, so after HW;
 *   <li>a change at or before its chunk's HW is held until its transaction's END record, which
 *       carries the commit LSN: dropped if the transaction committed by HW (the chunk holds it),
 *       emitted if it committed after (see {@link HeldTransaction});
 *   <li>a change of a row no finished chunk covers, below the table's highest HW, is dropped, as
 *       Flink CDC does.
 * </ul>
 */
final class SnapshotHandover {

    /** The change lies after its chunk's high watermark, or its table has no chunks to wait for. */
    static final long AFTER = -1L;
    /** No finished chunk holds the change's row, and it lies before the table's last high watermark. */
    static final long OUTSIDE = -2L;

    private final @Nullable String chunkKeyColumn;
    private final SchemaNameAdjuster names = SchemaNameAdjuster.create();

    private StreamSplitState indexedState;
    private Map<String, TableChunks> tables = Map.of();
    /** The highest high watermark of all chunks: past it (the stream's steady state) nothing is looked up. */
    private long maxHighWatermark = Long.MIN_VALUE;

    SnapshotHandover(@Nullable String chunkKeyColumn) {
        this.chunkKeyColumn = chunkKeyColumn;
    }

    /**
     * The high watermark of the chunk that holds the change's row when the change lies at or before
     * it; {@link #AFTER} or {@link #OUTSIDE} otherwise.
     */
    long chunkHighWatermark(SourceRecord change, long lsn, StreamSplitState state) {
        if (state != indexedState) {
            index(state);
        }
        if (lsn > maxHighWatermark || change.key() == null) {
            return AFTER;
        }
        Struct source = ((Struct) change.value()).getStruct("source");
        TableChunks chunks = tables.get(source.getString("schema") + "." + source.getString("table"));
        if (chunks == null || lsn > chunks.maxHighWatermark) {
            return AFTER;
        }
        Object[] key = SourceRecordUtils.getSplitKey(chunks.splitType, change, names);
        for (int i = 0; i < chunks.infos.size(); i++) {
            FinishedSnapshotSplitInfo chunk = chunks.infos.get(i);
            if (SourceRecordUtils.splitKeyRangeContains(key, chunk.getSplitStart(), chunk.getSplitEnd())) {
                long highWatermark = chunks.highWatermarks[i];
                return lsn > highWatermark ? AFTER : highWatermark;
            }
        }
        return OUTSIDE;
    }

    private void index(StreamSplitState state) {
        Map<String, List<FinishedSnapshotSplitInfo>> byTable = new HashMap<>();
        Map<String, TableId> ids = new HashMap<>();
        for (FinishedSnapshotSplitInfo info : state.toSourceSplit().getFinishedSnapshotSplitInfos()) {
            String name = info.getTableId().schema() + "." + info.getTableId().table();
            byTable.computeIfAbsent(name, n -> new ArrayList<>()).add(info);
            ids.put(name, info.getTableId());
        }
        Map<String, TableChunks> indexed = new HashMap<>();
        for (Map.Entry<String, List<FinishedSnapshotSplitInfo>> entry : byTable.entrySet()) {
            TableChange schema = state.getTableSchemas().get(ids.get(entry.getKey()));
            if (schema == null) {
                throw new IllegalStateException("the stream split has finished snapshot chunks of " + entry.getKey()
                        + " but no schema for it");
            }
            indexed.put(entry.getKey(), new TableChunks(schema.getTable(), chunkKeyColumn, entry.getValue()));
        }
        this.tables = indexed;
        this.maxHighWatermark = indexed.values().stream().mapToLong(t -> t.maxHighWatermark).max().orElse(Long.MIN_VALUE);
        this.indexedState = state;
    }

    /** The finished chunks of one table, with their split key type and high watermarks as numbers. */
    private static final class TableChunks {
        final RowType splitType;
        final List<FinishedSnapshotSplitInfo> infos;
        final long[] highWatermarks;
        final long maxHighWatermark;

        TableChunks(Table table, @Nullable String chunkKeyColumn, List<FinishedSnapshotSplitInfo> infos) {
            this.splitType = ChunkUtils.getSplitType(ChunkUtils.getSplitColumn(table, chunkKeyColumn));
            this.infos = infos;
            this.highWatermarks = new long[infos.size()];
            long max = Long.MIN_VALUE;
            for (int i = 0; i < infos.size(); i++) {
                highWatermarks[i] = ((PostgresOffset) infos.get(i).getHighWatermark()).getLsn().asLong();
                max = Math.max(max, highWatermarks[i]);
            }
            this.maxHighWatermark = max;
        }
    }
}
