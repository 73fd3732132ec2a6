package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.sql.SQLException;

/**
 * The baseline: what a Flink user writes without Tidemark. {@code postgres-cdc} (incremental
 * snapshot, pgoutput) into the {@code jdbc} connector in upsert mode (the table has a primary key)
 * with the connector's default buffering, at-least-once, checkpointing at the same interval.
 * Submitted to the same cluster as Tidemark, as a job graph built from the SQL.
 */
final class PlainSqlPhase extends StreamingJobPhase<PostgresSinkSide> {

    PlainSqlPhase(BenchContext context) {
        super(context);
    }

    @Override
    public String name() {
        return "plain-sql";
    }

    @Override
    protected String prefix() {
        return "plain";
    }

    @Override
    protected PostgresSinkSide createSink() throws SQLException {
        return PostgresSinkSide.create(context.postgres(), prefix());
    }

    @Override
    protected JobGraph jobGraph(Run<PostgresSinkSide> run, SavepointRestoreSettings restore) {
        Configuration conf = noRestarts();
        conf.setString("execution.checkpointing.interval", context.settings().checkpointInterval().toMillis() + " ms");
        conf.setString("execution.checkpointing.mode", "AT_LEAST_ONCE");
        conf.setString("execution.checkpointing.dir", run.checkpoints().resolve("checkpoints").toUri().toString());
        conf.setString("execution.checkpointing.savepoint-dir", run.checkpoints().resolve("savepoints").toUri().toString());
        conf.setString("parallelism.default", Integer.toString(context.settings().parallelism()));
        conf.setString("pipeline.name", "plain-sql-" + run.repetition());
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        tables.executeSql(sourceDdl(run));
        tables.executeSql(sinkDdl(run));
        StreamStatementSet statements = tables.createStatementSet();
        statements.addInsertSql("INSERT INTO dst SELECT * FROM src");
        statements.attachAsDataStream();
        JobGraph graph = env.getStreamGraph().getJobGraph();
        graph.setSavepointRestoreSettings(restore);
        return graph;
    }

    private String sourceDdl(Run<PostgresSinkSide> run) {
        BenchPostgres pg = context.postgres();
        return "CREATE TABLE src (" + OrdersTable.FLINK_COLUMNS + ") WITH ("
                + option("connector", "postgres-cdc") + ", "
                + option("hostname", pg.host()) + ", "
                + option("port", Integer.toString(pg.port())) + ", "
                + option("username", BenchPostgres.USER) + ", "
                + option("password", BenchPostgres.PASSWORD) + ", "
                + option("database-name", run.sourceDb()) + ", "
                + option("schema-name", "public") + ", "
                + option("table-name", OrdersTable.NAME) + ", "
                + option("slot.name", run.slot()) + ", "
                + option("decoding.plugin.name", "pgoutput") + ", "
                + option("scan.incremental.snapshot.enabled", "true") + ", "
                // the same publication setup as Tidemark: one publication for the captured table only
                + option("debezium.publication.name", run.slot()) + ", "
                + option("debezium.publication.autocreate.mode", "filtered") + ")";
    }

    private String sinkDdl(Run<PostgresSinkSide> run) {
        return "CREATE TABLE dst (" + OrdersTable.FLINK_COLUMNS + ") WITH ("
                + option("connector", "jdbc") + ", "
                + option("url", run.sink().jdbcUrl()) + ", "
                + option("table-name", OrdersTable.NAME) + ", "
                + option("username", BenchPostgres.USER) + ", "
                + option("password", BenchPostgres.PASSWORD) + ")";
    }

    private static String option(String key, String value) {
        return "'" + key + "' = '" + value.replace("'", "''") + "'";
    }
}
