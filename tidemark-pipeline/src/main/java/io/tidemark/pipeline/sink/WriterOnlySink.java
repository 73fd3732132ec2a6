package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.IOException;
import java.io.Serializable;

/**
 * A Flink sink that is only a writer. Tidemark's sinks need no committer: the position guard makes
 * every write safe to repeat, so a writer that flushes before each checkpoint barrier is enough.
 */
public final class WriterOnlySink implements Sink<ChangeEvent> {

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
    public SinkWriter<ChangeEvent> createWriter(WriterInitContext context) throws IOException {
        return factory.create(context);
    }
}
