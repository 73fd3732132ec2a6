package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchMariaDb;
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
 * snapshot, pgoutput), or {@code mysql-cdc} (incremental snapshot, binlog) for a MariaDB source,
 * into the {@code jdbc} connector in upsert mode (the table has a primary key) with the connector's
 * default buffering, at-least-once, checkpointing at the same interval. Submitted to the same
 * cluster as Tidemark, as a job graph built from the SQL.
 */
final class PlainSqlPhase extends StreamingJobPhase<PostgresSinkSide> {

    private final String name;
    private final String prefix;
    private final boolean mariaDbSource;

    private PlainSqlPhase(BenchContext context, String name, String prefix, SourceSide sourceSide, Window window,
            boolean mariaDbSource) {
        super(context, sourceSide, window);
        this.name = name;
        this.prefix = prefix;
        this.mariaDbSource = mariaDbSource;
    }

    /** postgres-cdc into PostgreSQL, timed streaming. */
    static PlainSqlPhase streaming(BenchContext context) {
        return new PlainSqlPhase(context, "plain-sql", "plain", SourceSide.postgres(context.postgres()),
                Window.STREAMING, false);
    }

    /** postgres-cdc into PostgreSQL, timed on its initial snapshot. */
    static PlainSqlPhase snapshot(BenchContext context) {
        return new PlainSqlPhase(context, "plain-sql-snapshot", "plain_snap", SourceSide.postgres(context.postgres()),
                Window.SNAPSHOT, false);
    }

    /** mysql-cdc from the bench's MariaDB into PostgreSQL, timed streaming. */
    static PlainSqlPhase fromMariaDb(BenchContext context) {
        return new PlainSqlPhase(context, "plain-sql-mariadb", "plain_maria", SourceSide.mariaDb(context.mariaDb()),
                Window.STREAMING, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    protected String prefix() {
        return prefix;
    }

    @Override
    protected PostgresSinkSide createSink() throws SQLException {
        return mariaDbSource
                ? PostgresSinkSide.fromMariaDb(context.postgres(), prefix())
                : PostgresSinkSide.create(context.postgres(), prefix());
    }

    @Override
    protected JobGraph jobGraph(Run<PostgresSinkSide> run, SavepointRestoreSettings restore) {
        Configuration conf = noRestarts();
        conf.setString("execution.checkpointing.interval", context.settings().checkpointInterval().toMillis() + " ms");
        conf.setString("execution.checkpointing.mode", "AT_LEAST_ONCE");
        conf.setString("execution.checkpointing.dir", run.checkpoints().resolve("checkpoints").toUri().toString());
        conf.setString("execution.checkpointing.savepoint-dir", run.checkpoints().resolve("savepoints").toUri().toString());
        conf.setString("parallelism.default", Integer.toString(context.settings().parallelism()));
        conf.setString("pipeline.name", name + "-" + run.repetition());
        // how a TIMESTAMP_LTZ (MySQL's TIMESTAMP) becomes the sink's TIMESTAMP: in UTC, as Tidemark writes it
        conf.setString("table.local-time-zone", "UTC");
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        tables.executeSql(mariaDbSource ? mysqlSourceDdl(run) : sourceDdl(run));
        tables.executeSql(sinkDdl(run));
        StreamStatementSet statements = tables.createStatementSet();
        statements.addInsertSql(mariaDbSource
                ? "INSERT INTO dst SELECT id, customer, amount, status, note, CAST(updated_at AS TIMESTAMP(6)), version"
                        + " FROM src"
                : "INSERT INTO dst SELECT * FROM src");
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
                + option("scan.incremental.snapshot.chunk.size",
                        Integer.toString(context.settings().snapshotChunkSize())) + ", "
                // the same publication setup as Tidemark: one publication for the captured table only
                + option("debezium.publication.name", run.slot()) + ", "
                + option("debezium.publication.autocreate.mode", "filtered") + ")";
    }

    /**
     * MySQL's {@code TIMESTAMP} is an instant: mysql-cdc gives it as {@code TIMESTAMP_LTZ}, which
     * the jdbc connector cannot write to PostgreSQL, hence the cast in the query.
     */
    private String mysqlSourceDdl(Run<PostgresSinkSide> run) {
        BenchMariaDb mariadb = context.mariaDb();
        int firstServerId = 5700 + run.repetition() * 16;
        return "CREATE TABLE src (" + OrdersTable.FLINK_COLUMNS.replace("TIMESTAMP(6)", "TIMESTAMP_LTZ(6)")
                + ") WITH ("
                + option("connector", "mysql-cdc") + ", "
                + option("hostname", mariadb.host()) + ", "
                + option("port", Integer.toString(mariadb.port())) + ", "
                + option("username", BenchMariaDb.USER) + ", "
                + option("password", BenchMariaDb.PASSWORD) + ", "
                + option("database-name", run.sourceDb()) + ", "
                + option("table-name", OrdersTable.NAME) + ", "
                + option("server-id", firstServerId + "-" + (firstServerId + context.settings().parallelism() - 1))
                + ", "
                + option("server-time-zone", "UTC") + ", "
                + option("scan.incremental.snapshot.enabled", "true") + ", "
                + option("scan.incremental.snapshot.chunk.size",
                        Integer.toString(context.settings().snapshotChunkSize())) + ")";
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
