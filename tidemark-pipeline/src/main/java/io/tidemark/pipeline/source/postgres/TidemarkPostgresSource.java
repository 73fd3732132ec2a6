package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.config.SourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.cdc.connectors.postgres.source.reader.PostgresSourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.cdc.connectors.base.source.assigner.HybridSplitAssigner;
import org.apache.flink.cdc.connectors.base.source.assigner.SplitAssigner;
import org.apache.flink.cdc.connectors.base.source.assigner.StreamSplitAssigner;
import org.apache.flink.cdc.connectors.base.source.assigner.state.HybridPendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.assigner.state.PendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.assigner.state.StreamPendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.util.FlinkRuntimeException;
import io.debezium.relational.TableId;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import io.tidemark.pipeline.metrics.SourceRetention;
import io.tidemark.pipeline.metrics.SourceRetentionGauges;

import java.util.List;

/**
 * Flink CDC's incremental PostgreSQL source (parallel snapshot, then pgoutput streaming) whose
 * record emitter gives snapshot rows their chunk's high watermark as source position and hands
 * the stream over from the snapshot by commit ({@link SnapshotHandover}). Its dialect
 * is built where it runs (see {@link DeferredPostgresDialect}), so no password is in the job graph.
 * Its first reader exports what the replication slot retains ({@link SourceRetentionGauges}); its
 * enumerator creates the replication slot, saying what it waits for ({@link TidemarkPostgresSourceEnumerator}).
 */
public final class TidemarkPostgresSource
        extends PostgresSourceBuilder.PostgresIncrementalSource<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    private final DebeziumChangeEventDeserializer deserializer;
    private final boolean transactionEnds;
    private final String sourceName;
    private final SourceRetention retention;

    /**
     * @param transactionEnds whether the ends of source transactions become COMMIT events
     * @param sourceName the {@code source} label of the retention gauges
     * @param retention what the slot retains, read by the first reader for its gauges
     */
    TidemarkPostgresSource(PostgresSourceConfigFactory configFactory, DebeziumChangeEventDeserializer deserializer,
            boolean transactionEnds, String sourceName, SourceRetention retention) {
        super(
                configFactory,
                deserializer,
                new PostgresOffsetFactory(),
                new DeferredPostgresDialect(configFactory));
        this.deserializer = deserializer;
        this.transactionEnds = transactionEnds;
        this.sourceName = sourceName;
        this.retention = retention;
    }

    /** Flink CDC's enumerator for a new job, with its split assigner built as Flink CDC 3.5 builds it. */
    @Override
    public TidemarkPostgresSourceEnumerator createEnumerator(SplitEnumeratorContext<SourceSplitBase> context) {
        PostgresSourceConfig config = (PostgresSourceConfig) configFactory.create(0);
        SplitAssigner assigner;
        if (config.getStartupOptions().isStreamOnly()) {
            assigner = new StreamSplitAssigner(config, dataSourceDialect, offsetFactory, context);
        } else {
            try {
                List<TableId> tables = dataSourceDialect.discoverDataCollections(config);
                assigner = new HybridSplitAssigner<>(config, context.currentParallelism(), tables,
                        dataSourceDialect.isDataCollectionIdCaseSensitive(config), dataSourceDialect, offsetFactory, context);
            } catch (Exception e) {
                throw new FlinkRuntimeException("Failed to discover captured tables for enumerator", e);
            }
        }
        return new TidemarkPostgresSourceEnumerator(context, config, assigner, (PostgresDialect) dataSourceDialect,
                getBoundedness(), sourceName, false);
    }

    /** Flink CDC's enumerator resumed from a checkpoint or savepoint, as Flink CDC 3.5 resumes it. */
    @Override
    public TidemarkPostgresSourceEnumerator restoreEnumerator(SplitEnumeratorContext<SourceSplitBase> context,
            PendingSplitsState checkpoint) {
        PostgresSourceConfig config = (PostgresSourceConfig) configFactory.create(0);
        SplitAssigner assigner;
        if (checkpoint instanceof HybridPendingSplitsState hybrid) {
            assigner = new HybridSplitAssigner<>(config, context.currentParallelism(), hybrid, dataSourceDialect,
                    offsetFactory, context);
        } else if (checkpoint instanceof StreamPendingSplitsState stream) {
            assigner = new StreamSplitAssigner(config, stream, dataSourceDialect, offsetFactory, context);
        } else {
            throw new UnsupportedOperationException("Unsupported restored PendingSplitsState: " + checkpoint);
        }
        return new TidemarkPostgresSourceEnumerator(context, config, assigner, (PostgresDialect) dataSourceDialect,
                getBoundedness(), sourceName, true);
    }

    /** Flink CDC's reader; the first one (the slot is one per job) also exports the slot's retention. */
    @Override
    public PostgresSourceReader createReader(SourceReaderContext readerContext) throws Exception {
        PostgresSourceReader reader = super.createReader(readerContext);
        if (readerContext.getIndexOfSubtask() == 0) {
            SourceRetentionGauges.register(readerContext.metricGroup(), sourceName, retention);
        }
        return reader;
    }

    @Override
    protected RecordEmitter<SourceRecords, ChangeEvent, SourceSplitState> createRecordEmitter(
            SourceConfig sourceConfig, SourceReaderMetrics sourceReaderMetrics) {
        return new HighWatermarkRecordEmitter(deserializer, sourceReaderMetrics, offsetFactory, transactionEnds,
                ((JdbcSourceConfig) sourceConfig).getChunkKeyColumn());
    }
}
