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
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/**
 * Flink CDC's incremental PostgreSQL source (parallel snapshot, then pgoutput streaming) whose
 * record emitter gives snapshot rows their chunk's high watermark as source position and hands
 * the stream over from the snapshot by commit ({@link SnapshotHandover}). Its dialect
 * is built where it runs (see {@link DeferredPostgresDialect}), so no password is in the job graph.
 */
public final class TidemarkPostgresSource
        extends PostgresSourceBuilder.PostgresIncrementalSource<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    private final DebeziumChangeEventDeserializer deserializer;
    private final boolean transactionEnds;

    /** @param transactionEnds whether the ends of source transactions become COMMIT events */
    TidemarkPostgresSource(PostgresSourceConfigFactory configFactory, DebeziumChangeEventDeserializer deserializer,
            boolean transactionEnds) {
        super(
                configFactory,
                deserializer,
                new PostgresOffsetFactory(),
                new DeferredPostgresDialect(configFactory));
        this.deserializer = deserializer;
        this.transactionEnds = transactionEnds;
    }

    @Override
    protected RecordEmitter<SourceRecords, ChangeEvent, SourceSplitState> createRecordEmitter(
            SourceConfig sourceConfig, SourceReaderMetrics sourceReaderMetrics) {
        return new HighWatermarkRecordEmitter(deserializer, sourceReaderMetrics, offsetFactory, transactionEnds,
                ((JdbcSourceConfig) sourceConfig).getChunkKeyColumn());
    }
}
