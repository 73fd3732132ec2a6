package io.tidemark.pipeline.sink.jdbc;

import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.ChangeSink;
import io.tidemark.pipeline.sink.WriterOnlySink;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.sink.jdbc.writer.JdbcChangeWriter;

import org.apache.flink.api.connector.sink2.Sink;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies change events to a JDBC database with exactly-once effect: position-guarded upserts and
 * deletes, tombstones for deleted rows, batches compacted per row and written by background
 * flushers. See the README section "How exactly-once effect works".
 */
public final class JdbcChangeSink implements ChangeSink {

    private static final long serialVersionUID = 1L;

    private final String pipeline;
    private final JdbcSinkDef def;
    private final Map<TableId, TableId> sinkTables;
    private final SinkDialect dialect;
    private final JdbcConnectionFactory connections;
    private final DeadLetterQueueDef deadLetters;
    private final DeadLetterQueues.Opener deadLetterQueue;

    /**
     * @param pipeline the pipeline name, which scopes the sink's progress records
     * @param sinkTables source table to sink table, for the tables routed to this sink
     */
    public JdbcChangeSink(String pipeline, JdbcSinkDef def, Map<TableId, TableId> sinkTables) {
        this(pipeline, def, sinkTables, DeadLetterQueueDef.defaults());
    }

    public JdbcChangeSink(
            String pipeline, JdbcSinkDef def, Map<TableId, TableId> sinkTables, DeadLetterQueueDef deadLetters) {
        this.pipeline = pipeline;
        this.def = def;
        this.sinkTables = Collections.unmodifiableMap(new LinkedHashMap<>(sinkTables)); // in route order, for messages
        this.dialect = SinkDialect.forUrl(def.url());
        this.connections = JdbcConnectionFactory.of(def);
        this.deadLetters = deadLetters;
        this.deadLetterQueue = DeadLetterQueues.forJdbcSink(deadLetters, def).orElse(null);
    }

    @Override
    public String name() {
        return def.name();
    }

    @Override
    public boolean appliesInSourceOrder() {
        return def.applyOrder() == ApplyOrder.SOURCE;
    }

    @Override
    public void prepare() throws Exception {
        prepare(Map.of());
    }

    @Override
    public void prepare(Map<TableId, List<String>> sourceKeys) throws Exception {
        new JdbcSinkPreparer(def.name(), connections, dialect).prepare(sinkTables, sourceKeys, def.applyOrder());
        if (deadLetterQueue != null) {
            try (DeadLetterQueue queue = deadLetterQueue.open()) {
                queue.prepare();
            }
        }
    }

    @Override
    public Sink<ChangeEvent> createSink() {
        JdbcSinkDef def = this.def;
        JdbcConnectionFactory connections = this.connections;
        SinkDialect dialect = this.dialect;
        Map<TableId, TableId> sinkTables = this.sinkTables;
        String pipeline = this.pipeline;
        DeadLetterQueueDef deadLetters = this.deadLetters;
        DeadLetterQueues.Opener deadLetterQueue = this.deadLetterQueue;
        return new WriterOnlySink(context -> new JdbcChangeWriter(
                connections,
                dialect,
                sinkTables,
                pipeline,
                def.name(),
                context.getTaskInfo().getIndexOfThisSubtask(),
                context.getTaskInfo().getNumberOfParallelSubtasks(),
                context.getJobInfo().getJobId() + ":" + context.getTaskInfo().getAttemptNumber(),
                def.batchSize(),
                def.flushInterval(),
                def.applyOrder() == ApplyOrder.SOURCE ? 1 : def.flushThreads(), // one writer, one order
                def.applyOrder() == ApplyOrder.SOURCE,
                def.tombstoneRetention(),
                def.maxRetries(),
                deadLetters,
                deadLetterQueue,
                context.getProcessingTimeService(),
                context.metricGroup()));
    }
}
