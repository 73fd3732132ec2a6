package io.tidemark.pipeline.source.mysql;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.cdc.connectors.mysql.source.offset.BinlogOffset;
import org.apache.flink.cdc.connectors.mysql.source.split.MySqlSplit;
import org.apache.flink.core.io.InputStatus;

import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Flink CDC's MySQL reader, unchanged, remembering the binlog position of its binlog split in the
 * last completed checkpoint: what a restore from that checkpoint needs the server to still hold
 * ({@link BinlogRetention} reports it). Before a checkpoint with a binlog split completes, there is
 * none.
 */
final class CheckpointedBinlogReader<T> implements SourceReader<T, MySqlSplit> {

    private final SourceReader<T, MySqlSplit> reader;
    /** Binlog positions of checkpoints taken but not yet known complete, by checkpoint id. */
    private final NavigableMap<Long, BinlogOffset> taken = new TreeMap<>();
    private volatile BinlogOffset checkpointed;

    CheckpointedBinlogReader(SourceReader<T, MySqlSplit> reader) {
        this.reader = reader;
    }

    /** The binlog position the last completed checkpoint resumes from; null if none holds a binlog split. */
    BinlogOffset checkpointed() {
        return checkpointed;
    }

    @Override
    public List<MySqlSplit> snapshotState(long checkpointId) {
        List<MySqlSplit> splits = reader.snapshotState(checkpointId);
        for (MySqlSplit split : splits) {
            if (split.isBinlogSplit()) {
                synchronized (taken) {
                    taken.put(checkpointId, split.asBinlogSplit().getStartingOffset());
                }
            }
        }
        return splits;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        reader.notifyCheckpointComplete(checkpointId);
        synchronized (taken) {
            NavigableMap<Long, BinlogOffset> done = taken.headMap(checkpointId, true);
            if (!done.isEmpty()) {
                checkpointed = done.lastEntry().getValue();
                done.clear();
            }
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        reader.notifyCheckpointAborted(checkpointId);
        synchronized (taken) {
            taken.remove(checkpointId);
        }
    }

    @Override
    public void start() {
        reader.start();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
        return reader.pollNext(output);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return reader.isAvailable();
    }

    @Override
    public void addSplits(List<MySqlSplit> splits) {
        reader.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
        reader.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent sourceEvent) {
        reader.handleSourceEvents(sourceEvent);
    }

    @Override
    public void pauseOrResumeSplits(Collection<String> splitsToPause, Collection<String> splitsToResume) {
        reader.pauseOrResumeSplits(splitsToPause, splitsToResume);
    }

    @Override
    public void close() throws Exception {
        reader.close();
    }
}
