package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchMariaDb;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.BenchRedis;
import io.tidemark.bench.db.OrdersTable;
import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.CheckpointOptions;
import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.JdbcSinkOptions;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.config.SourceDef;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.job.PipelineJob;

import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * Tidemark's own pipeline ({@link PipelineJob}) from the bench's PostgreSQL (or MariaDB) source into
 * one sink, with the defaults a user gets from {@code pipeline.yaml} for the sink, and the snapshot
 * chunk size of {@code --snapshot-chunk-size} (by default {@code pipeline.yaml}'s).
 * Only the checkpoint interval is the bench's (the same as the plain SQL job's), with no minimum
 * pause, as the plain job has none.
 *
 * @param <S> the sink side the pipeline writes to
 */
final class TidemarkPhase<S extends SinkSide> extends StreamingJobPhase<S> {

    private static final String TABLE = "public.orders";

    /** Where the pipeline writes: an empty sink for each run, and the sink definition that points the pipeline at it. */
    interface Target<S extends SinkSide> {

        S createSink(String prefix) throws Exception;

        /** The sink as a user would define it in {@code pipeline.yaml}, with that file's defaults. */
        SinkDef definition(S sink);
    }

    private final String name;
    private final String prefix;
    private final Target<S> target;
    /** The checkpoint interval of this phase's job: the bench's, or one of its own. */
    private final Duration checkpointInterval;
    /** Whether the source is the bench's MariaDB instead of its PostgreSQL. */
    private final boolean mariaDbSource;
    private PipelineJob job;

    private TidemarkPhase(BenchContext context, String name, String prefix, Target<S> target) {
        this(context, name, prefix, target, context.settings().checkpointInterval());
    }

    private TidemarkPhase(BenchContext context, String name, String prefix, Target<S> target,
            Duration checkpointInterval) {
        super(context);
        this.name = name;
        this.prefix = prefix;
        this.target = target;
        this.checkpointInterval = checkpointInterval;
        this.mariaDbSource = false;
    }

    private TidemarkPhase(BenchContext context, String name, String prefix, Target<S> target,
            SourceSide sourceSide, Window window, boolean mariaDbSource) {
        super(context, sourceSide, window);
        this.name = name;
        this.prefix = prefix;
        this.target = target;
        this.checkpointInterval = context.settings().checkpointInterval();
        this.mariaDbSource = mariaDbSource;
    }

    /** As {@code tidemark}, timed on its initial snapshot of {@code --snapshot-rows} rows. */
    static TidemarkPhase<PostgresSinkSide> snapshotIntoPostgres(BenchContext context) {
        return new TidemarkPhase<>(context, "tidemark-snapshot", "tidemark_snap",
                new PostgresTarget(context.postgres(), ApplyOrder.KEYED, false),
                SourceSide.postgres(context.postgres()), Window.SNAPSHOT, false);
    }

    /** From the bench's MariaDB (binlog source) into a PostgreSQL database, as {@code tidemark} otherwise. */
    static TidemarkPhase<PostgresSinkSide> fromMariaDbIntoPostgres(BenchContext context) {
        return new TidemarkPhase<>(context, "tidemark-mariadb", "tidemark_maria",
                new PostgresTarget(context.postgres(), ApplyOrder.KEYED, true),
                SourceSide.mariaDb(context.mariaDb()), Window.STREAMING, true);
    }

    /** Into a PostgreSQL database as {@code tidemark}, but checkpointing every second. */
    static TidemarkPhase<PostgresSinkSide> intoPostgresCheckpointingEverySecond(BenchContext context) {
        return new TidemarkPhase<>(context, "tidemark-checkpoints-1s", "tidemark_cp1s",
                new PostgresTarget(context.postgres(), ApplyOrder.KEYED, false), Duration.ofSeconds(1));
    }

    /** Into a PostgreSQL database, applying changes in the given order. */
    static TidemarkPhase<PostgresSinkSide> intoPostgres(BenchContext context, ApplyOrder order) {
        boolean keyed = order == ApplyOrder.KEYED;
        return new TidemarkPhase<>(context, keyed ? "tidemark" : "tidemark-source-order",
                keyed ? "tidemark" : "tidemark_so", new PostgresTarget(context.postgres(), order, false));
    }

    /** Into the bench's Redis master (which has one replica), waiting for what {@code durability} asks. */
    static TidemarkPhase<RedisSinkSide> intoRedis(BenchContext context, String name, RedisDurability durability) {
        return new TidemarkPhase<>(context, name, name.replace('-', '_'), new RedisTarget(context.redis(), durability));
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
    protected S createSink() throws Exception {
        return target.createSink(prefix);
    }

    @Override
    protected void prepare(Run<S> run) throws Exception {
        job = PipelineJob.of(pipeline(run));
        job.prepare();
    }

    @Override
    protected JobGraph jobGraph(Run<S> run, SavepointRestoreSettings restore) {
        return job.jobGraph(noRestarts(), restore);
    }

    private PipelineDef pipeline(Run<S> run) {
        SourceDef source;
        String sourceTable;
        if (mariaDbSource) {
            BenchMariaDb mariadb = context.mariaDb();
            sourceTable = run.sourceDb() + "." + OrdersTable.NAME;
            source = new MySqlSourceDef(mariadb.host(), mariadb.port(), BenchMariaDb.USER,
                    Secret.literal(BenchMariaDb.PASSWORD), List.of(sourceTable), serverIds(run),
                    "UTC", context.settings().snapshotChunkSize(), StartupMode.INITIAL);
        } else {
            BenchPostgres pg = context.postgres();
            sourceTable = TABLE;
            source = new PostgresSourceDef(
                    pg.host(), pg.port(), run.sourceDb(), BenchPostgres.USER, Secret.literal(BenchPostgres.PASSWORD),
                    List.of(TABLE), run.slot(), run.slot(),
                    context.settings().snapshotChunkSize(), StartupMode.INITIAL);
        }
        SinkDef sink = target.definition(run.sink());
        CheckpointingDef checkpointing = new CheckpointingDef(
                checkpointInterval,
                CheckpointOptions.TIMEOUT.defaultValue(),
                Duration.ZERO,
                ExternalizedRetention.RETAIN_ON_CANCELLATION,
                run.checkpoints().resolve("checkpoints").toUri().toString(),
                run.checkpoints().resolve("savepoints").toUri().toString());
        return new PipelineDef("bench-" + prefix.replace('_', '-') + "-" + run.repetition(), context.settings().parallelism(), source,
                List.of(sink), List.of(new RouteDef(sourceTable, sink.name(), TABLE)), checkpointing);
    }

    /** Replication server ids of the binlog readers, one per subtask, apart from every other run's. */
    private String serverIds(Run<S> run) {
        int first = 5400 + run.repetition() * 16;
        return first + "-" + (first + context.settings().parallelism() - 1);
    }

    /** A fresh PostgreSQL database on the bench's server, written by Tidemark's JDBC sink. */
    private record PostgresTarget(BenchPostgres pg, ApplyOrder order, boolean fromMariaDb)
            implements Target<PostgresSinkSide> {

        @Override
        public PostgresSinkSide createSink(String prefix) throws SQLException {
            return fromMariaDb ? PostgresSinkSide.fromMariaDb(pg, prefix) : PostgresSinkSide.create(pg, prefix);
        }

        @Override
        public SinkDef definition(PostgresSinkSide sink) {
            return new JdbcSinkDef(
                    "warehouse", sink.jdbcUrl(), BenchPostgres.USER, Secret.literal(BenchPostgres.PASSWORD),
                    JdbcSinkOptions.BATCH_SIZE.defaultValue(),
                    JdbcSinkOptions.FLUSH_INTERVAL.defaultValue(),
                    JdbcSinkOptions.FLUSH_THREADS.defaultValue(),
                    JdbcSinkOptions.TOMBSTONE_RETENTION.defaultValue(),
                    JdbcSinkOptions.MAX_RETRIES.defaultValue(),
                    order);
        }
    }

    /**
     * The bench's Redis master, emptied for each run, written by Tidemark's Redis sink with the given
     * {@code durability} and otherwise the defaults of {@code pipeline.yaml} (hashes, batches of
     * 1,000, no TTL).
     */
    private record RedisTarget(BenchRedis redis, RedisDurability durability) implements Target<RedisSinkSide> {

        @Override
        public RedisSinkSide createSink(String prefix) throws InterruptedException {
            return RedisSinkSide.create(redis, durability);
        }

        @Override
        public SinkDef definition(RedisSinkSide sink) {
            return sink.definition(durability);
        }
    }
}
