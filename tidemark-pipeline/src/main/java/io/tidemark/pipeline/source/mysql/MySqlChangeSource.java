package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.source.ChangeSource;
import io.tidemark.pipeline.source.SourceTables;
import io.tidemark.pipeline.source.debezium.DebeziumChangeEventDeserializer;
import io.tidemark.pipeline.source.debezium.DebeziumTuning;
import io.tidemark.pipeline.source.debezium.TransactionRecords;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cdc.connectors.mysql.source.MySqlSource;
import org.apache.flink.cdc.connectors.mysql.source.MySqlSourceWithEmitter;
import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfigFactory;
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

    @Override
    public Map<TableId, List<String>> primaryKeys() throws Exception {
        return new MySqlSourcePreparer(def).primaryKeys();
    }

    public MySqlSource<ChangeEvent> createSource() {
        MySqlSourceConfigFactory factory = new MySqlSourceConfigFactory();
        factory.hostname(def.hostname());
        factory.port(def.port());
        factory.username(def.username());
        factory.password(def.password().resolve());
        factory.databaseList(SourceTables.schemaFilters(def.tables()));
        factory.tableList(SourceTables.tableFilters(def.tables()));
        factory.serverId(def.serverIds());
        factory.serverTimeZone(def.serverTimeZone());
        factory.splitSize(def.snapshotChunkSize());
        factory.skipSnapshotBackfill(false);
        factory.includeSchemaChanges(false);
        factory.closeIdleReaders(true);
        factory.heartbeatInterval(Duration.ofSeconds(30));
        factory.startupOptions(
                def.startupMode() == StartupMode.LATEST ? StartupOptions.latest() : StartupOptions.initial());
        Properties jdbc = new Properties();
        jdbc.setProperty("useSSL", "false");
        jdbc.setProperty("allowPublicKeyRetrieval", "true");
        factory.jdbcProperties(jdbc);
        Properties debezium = DebeziumTuning.properties();
        debezium.setProperty("binary.handling.mode", "bytes");
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
                        withTransactionEnds));
    }
}
