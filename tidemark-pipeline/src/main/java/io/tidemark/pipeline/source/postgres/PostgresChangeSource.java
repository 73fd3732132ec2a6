package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.source.ChangeSource;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;
import io.tidemark.pipeline.source.SavepointSourceSplits;
import io.tidemark.pipeline.source.SourceTables;
import io.tidemark.pipeline.source.debezium.DebeziumTuning;
import io.tidemark.pipeline.source.debezium.TransactionRecords;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.tidemark.pipeline.event.TableId;

import io.debezium.connector.postgresql.connection.Lsn;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Builds the PostgreSQL change stream from a {@link PostgresSourceDef}: Flink CDC's incremental
 * source with pgoutput, a publication limited to the captured tables, and snapshot backfill on
 * (the exactly-once effect of the sinks relies on it; see {@link DebeziumChangeEventDeserializer}).
 */
public final class PostgresChangeSource implements ChangeSource {

    private static final long serialVersionUID = 1L;

    private final PostgresSourceDef def;
    private final boolean transactionEnds;
    /**
     * What {@link #prepare()} found must stay {@code REPLICA IDENTITY FULL}, for the deserializer's
     * run-time check; empty (no check) for a job built without {@code prepare()}.
     */
    private Set<TableId> wholeRowTables = Set.of();

    public PostgresChangeSource(PostgresSourceDef def) {
        this(def, false);
    }

    /**
     * @param transactionEnds whether the stream carries a COMMIT event after each source
     *     transaction (for sinks that apply in source order; see {@link TransactionRecords})
     */
    public PostgresChangeSource(PostgresSourceDef def, boolean transactionEnds) {
        this.def = def;
        this.transactionEnds = transactionEnds;
    }

    @Override
    public DataStream<ChangeEvent> createStream(StreamExecutionEnvironment env, String uid) {
        return env.fromSource(createSource(), WatermarkStrategy.noWatermarks(), "postgres-source " + def.database())
                .uid(uid);
    }

    @Override
    public void prepare() throws Exception {
        PostgresSourcePreparer preparer = new PostgresSourcePreparer(def);
        preparer.prepare();
        wholeRowTables = preparer.wholeRowTables();
    }

    @Override
    public void checkResumable() throws Exception {
        new PostgresSourcePreparer(def).checkResumable();
    }

    /**
     * The slot must exist and must not have confirmed past the LSN the savepoint's stream split
     * resumes from: PostgreSQL would then stream from the slot's position and skip what lies between.
     * A savepoint taken during the snapshot has no stream split yet; then only the slot is checked.
     */
    @Override
    public void checkResumable(String restorePath, String uid) throws Exception {
        PostgresSourcePreparer preparer = new PostgresSourcePreparer(def);
        preparer.checkResumable();
        for (SourceSplitBase split : SavepointSourceSplits.read(restorePath, uid, createSource().getSplitSerializer())) {
            if (split.isStreamSplit()) {
                Lsn resumeAt = ((PostgresOffset) split.asStreamSplit().getStartingOffset()).getLsn();
                preparer.checkSlotHolds(SourcePosition.ofLsn(resumeAt.asLong()));
            }
        }
    }

    /** WAL bytes between the savepoint's resume position and the server's current WAL position. */
    @Override
    public java.util.OptionalLong bytesBehind(String restorePath, String uid) throws Exception {
        long current = new PostgresSourcePreparer(def).currentWalLsn();
        long oldest = Long.MAX_VALUE;
        for (SourceSplitBase split : SavepointSourceSplits.read(restorePath, uid, createSource().getSplitSerializer())) {
            if (split.isStreamSplit()) {
                oldest = Math.min(oldest, ((PostgresOffset) split.asStreamSplit().getStartingOffset()).getLsn().asLong());
            }
        }
        return oldest == Long.MAX_VALUE ? java.util.OptionalLong.empty()
                : java.util.OptionalLong.of(Math.max(0, current - oldest));
    }

    @Override
    public Map<TableId, List<String>> primaryKeys() throws Exception {
        return new PostgresSourcePreparer(def).primaryKeys();
    }

    public TidemarkPostgresSource createSource() {
        // the password is resolved where the source's readers and enumerator open, not here
        PostgresSourceConfigFactory factory = new SecretPostgresSourceConfigFactory(def.password());
        factory.hostname(def.hostname());
        factory.port(def.port());
        factory.database(def.database());
        factory.username(def.username());
        factory.schemaList(SourceTables.schemaFilters(def.tables()));
        factory.tableList(SourceTables.tableFilters(def.tables()));
        factory.slotName(def.slotName());
        factory.decodingPluginName("pgoutput");
        factory.splitSize(def.snapshotChunkSize());
        factory.skipSnapshotBackfill(false);
        // a partitioned table is captured under its own name: listed as a table, its partitions'
        // changes published under it (PostgresSourcePreparer creates the publication that way)
        factory.setIncludePartitionedTables(true);
        factory.includeSchemaChanges(false);
        // a reader left without a split stays open: one that finishes leaves the source PARTIALLY_FINISHED in
        // every later savepoint, and Flink then refuses to restore it at a parallelism that chains the source
        // with the sinks ("mixed operator finished state"; seen in UpgradeCheckITCase)
        factory.closeIdleReaders(false);
        factory.heartbeatInterval(Duration.ofSeconds(30));
        factory.startupOptions(
                def.startupMode() == StartupMode.LATEST ? StartupOptions.latest() : StartupOptions.initial());
        Properties debezium = DebeziumTuning.properties();
        debezium.setProperty("publication.name", def.publicationName());
        // created once for all tables by PostgresSourcePreparer; see there why never by Debezium
        debezium.setProperty("publication.autocreate.mode", "disabled");
        // Debezium 1.9 skips TRUNCATE by default; the sinks apply it (or the deserializer stops on it)
        debezium.setProperty("truncate.handling.mode", "include");
        // exact values: numerics (NaN and ±Infinity included) and bit strings as text, intervals
        // as ISO 8601 (Debezium's default turns a month into 30.4375 days)
        PostgresValueConverters.install(debezium);
        debezium.setProperty("interval.handling.mode", "string");
        // always: the END record's commit LSN places each change against its snapshot chunk (SnapshotHandover)
        TransactionRecords.provide(debezium);
        factory.debeziumProperties(debezium);
        return new TidemarkPostgresSource(factory, new DebeziumChangeEventDeserializer(new PostgresRecordLocator(), def.truncate(),
                wholeRowTables), transactionEnds, def.database(), new PostgresSlotRetention(def));
    }
}
