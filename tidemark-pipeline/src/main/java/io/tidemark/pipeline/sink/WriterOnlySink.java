package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.IOException;
import java.io.Serializable;
import java.util.Collection;
import java.util.List;

/**
 * A Flink sink that is only a writer. Tidemark's sinks need no committer: the position guard makes
 * every write safe to repeat, so a writer that flushes before each checkpoint barrier is enough.
 *
 * <p>The one thing a writer may keep in the checkpoint is {@link HeldChanges}: changes it received
 * but holds back from the sink (a sink in source order, in the middle of a source transaction). A
 * restored writer gets them back as its first input, through {@link SinkWriter#write}, as if they
 * had just arrived; a writer that never holds changes need not know about state at all.
 */
public final class WriterOnlySink implements Sink<ChangeEvent>, SupportsWriterState<ChangeEvent, HeldChanges> {

    private static final long serialVersionUID = 1L;

    /** Creates the writer of one subtask. */
    @FunctionalInterface
    public interface WriterFactory extends Serializable {
        SinkWriter<ChangeEvent> create(WriterInitContext context) throws IOException;
    }

    private final WriterFactory factory;

    public WriterOnlySink(WriterFactory factory) {
        this.factory = factory;
    }

    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<ChangeEvent> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }

    @Override
    public StatefulSinkWriter<ChangeEvent, HeldChanges> createWriter(WriterInitContext context) throws IOException {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<ChangeEvent, HeldChanges> restoreWriter(
            WriterInitContext context, Collection<HeldChanges> recovered) throws IOException {
        SinkWriter<ChangeEvent> writer = factory.create(context);
        try {
            for (HeldChanges held : recovered) {
                for (ChangeEvent change : held.changes()) {
                    writer.write(change, RESTORED);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while restoring held changes", e);
        } catch (IOException | RuntimeException e) {
            try {
                writer.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return writer instanceof HoldingWriter holding ? holding : new HoldsNothing(writer);
    }

    @Override
    public SimpleVersionedSerializer<HeldChanges> getWriterStateSerializer() {
        return new HeldChangesSerializer();
    }

    /** A writer that may hold changes back from its sink across a checkpoint. */
    public interface HoldingWriter extends StatefulSinkWriter<ChangeEvent, HeldChanges> {}

    private static final SinkWriter.Context RESTORED = new SinkWriter.Context() {
        @Override
        public long currentWatermark() {
            return Long.MIN_VALUE;
        }

        @Override
        public Long timestamp() {
            return null;
        }
    };

    /** A writer that never holds changes: its state is always empty. */
    private static final class HoldsNothing implements StatefulSinkWriter<ChangeEvent, HeldChanges> {
        private final SinkWriter<ChangeEvent> writer;

        HoldsNothing(SinkWriter<ChangeEvent> writer) {
            this.writer = writer;
        }

        @Override
        public void write(ChangeEvent element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public List<HeldChanges> snapshotState(long checkpointId) {
            return List.of();
        }

        @Override
        public void close() throws Exception {
            writer.close();
        }
    }
}
