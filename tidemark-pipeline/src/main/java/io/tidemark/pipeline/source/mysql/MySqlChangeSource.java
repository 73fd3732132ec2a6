package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.metrics.SourceRetentionGauges;
import io.tidemark.pipeline.source.ChangeSource;
import io.tidemark.pipeline.source.SavepointSourceSplits;
import io.tidemark.pipeline.source.SourceTables;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;
import io.tidemark.pipeline.source.debezium.DebeziumTuning;
import io.tidemark.pipeline.source.debezium.TransactionRecords;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cdc.connectors.mysql.source.MySqlSource;
import org.apache.flink.cdc.connectors.mysql.source.MySqlSourceWithEmitter;
import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfigFactory;
import org.apache.flink.cdc.connectors.mysql.source.split.MySqlSplit;
import org.apache.flink.cdc.connectors.mysql.table.StartupOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.tidemark.pipeline.event.TableId;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Builds the MySQL/MariaDB change stream from a {@link MySqlSourceDef}: Flink CDC's MySQL source
 * (parallel, lock-free snapshot with backfill, then one binlog reader), each reader with its own
 * replication server id, and snapshot rows positioned at their chunk's high watermark (see {@link
 * BinlogPositions}).
 */
public final class MySqlChangeSource implements ChangeSource {

    private static final long serialVersionUID = 1L;

    private final MySqlSourceDef def;
    private final boolean transactionEnds;

    public MySqlChangeSource(MySqlSourceDef def) {
        this(def, false);
    }

    /**
     * @param transactionEnds whether the stream carries a COMMIT event after each source
     *     transaction (for sinks that apply in source order; see {@link TransactionRecords})
     */
    public MySqlChangeSource(MySqlSourceDef def, boolean transactionEnds) {
        this.def = def;
        this.transactionEnds = transactionEnds;
    }

    @Override
    public DataStream<ChangeEvent> createStream(StreamExecutionEnvironment env, String uid) {
        return env.fromSource(createSource(), WatermarkStrategy.noWatermarks(), "mysql-source " + def.hostname())
                .uid(uid);
    }

    @Override
    public void prepare() throws Exception {
        new MySqlSourcePreparer(def).prepare();
    }

    /**
     * The server's binlog must still hold the position the savepoint's binlog split resumes from:
     * the file there and reaching the position (see {@link MySqlResumeCheck}). A savepoint taken
     * during the snapshot has no binlog split yet; then nothing is checked.
     */
    @Override
    public void checkResumable(String restorePath, String uid) throws Exception {
        MySqlResumeCheck check = new MySqlResumeCheck(def);
        for (MySqlSplit split : SavepointSourceSplits.read(restorePath, uid, createSource().getSplitSerializer())) {
            if (split.isBinlogSplit()) {
                check.checkHolds(split.asBinlogSplit().getStartingOffset());
            }
        }
    }

    @Override
    public Map<TableId, List<String>> primaryKeys() throws Exception {
        return new MySqlSourcePreparer(def).primaryKeys();
    }

    public MySqlSource<ChangeEvent> createSource() {
        // the password is resolved where the source's readers and enumerator open, not here
        MySqlSourceConfigFactory factory = new SecretMySqlSourceConfigFactory(def.password());
        factory.hostname(def.hostname());
        factory.port(def.port());
        factory.username(def.username());
        factory.databaseList(SourceTables.schemaFilters(def.tables()));
        factory.tableList(SourceTables.tableFilters(def.tables()));
        factory.serverId(def.serverIds());
        factory.serverTimeZone(def.serverTimeZone());
        factory.splitSize(def.snapshotChunkSize());
        factory.skipSnapshotBackfill(false);
        factory.includeSchemaChanges(false);
        // a reader left without a split stays open: one that finishes leaves the source PARTIALLY_FINISHED in
        // every later savepoint, and Flink then refuses to restore it at a parallelism that chains the source
        // with the sinks ("mixed operator finished state"; seen in UpgradeCheckITCase)
        factory.closeIdleReaders(false);
        factory.heartbeatInterval(Duration.ofSeconds(30));
        factory.startupOptions(
                def.startupMode() == StartupMode.LATEST ? StartupOptions.latest() : StartupOptions.initial());
        Properties jdbc = new Properties();
        // Connector/J's sslMode overrides the useSSL Debezium derives from database.ssl.mode
        jdbc.setProperty("sslMode", def.tls().connectorJMode());
        jdbc.setProperty("allowPublicKeyRetrieval", "true");
        factory.jdbcProperties(jdbc);
        Properties debezium = DebeziumTuning.properties();
        debezium.setProperty("binary.handling.mode", "bytes");
        // the binlog client's TLS (Debezium 1.9 defaults to disabled)
        debezium.setProperty("database.ssl.mode", def.tls().debeziumMode());
        if (transactionEnds) {
            TransactionRecords.provide(debezium);
        }
        factory.debeziumProperties(debezium);
        DebeziumChangeEventDeserializer deserializer =
                new DebeziumChangeEventDeserializer(new MySqlRecordLocator(), def.truncate());
        MySqlSourceDef source = def;
        boolean withTransactionEnds = transactionEnds;
        return MySqlSourceWithEmitter.create(factory, deserializer,
                (metrics, config) -> new HighWatermarkMySqlRecordEmitter(deserializer, metrics, source,
                        withTransactionEnds),
                (reader, context) -> {
                    // every reader: the binlog split may be on any of them; the others report NaN
                    CheckpointedBinlogReader<ChangeEvent> tracked = new CheckpointedBinlogReader<>(reader);
                    SourceRetentionGauges.register(context.metricGroup(), source.hostname(),
                            new BinlogRetention(source, tracked::checkpointed));
                    return tracked;
                });
    }
}
