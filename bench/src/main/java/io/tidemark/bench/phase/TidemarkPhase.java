package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.CheckpointOptions;
import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.JdbcSinkOptions;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.PostgresSourceOptions;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.job.PipelineJob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;

import java.time.Duration;
import java.util.List;

/**
 * Tidemark's own pipeline ({@link PipelineJob}), with the defaults a user gets from
 * {@code pipeline.yaml} for the sink and the snapshot chunk size. Only the checkpoint interval is the
 * bench's (the same as the plain SQL job's), with no minimum pause, as the plain job has none.
 */
final class TidemarkPhase extends StreamingJobPhase {

    private static final String TABLE = "public.orders";
    private static final String SINK = "warehouse";

    private final ApplyOrder order;
    private PipelineJob job;

    TidemarkPhase(BenchContext context, ApplyOrder order) {
        super(context);
        this.order = order;
    }

    @Override
    public String name() {
        return order == ApplyOrder.KEYED ? "tidemark" : "tidemark-source-order";
    }

    @Override
    protected String prefix() {
        return order == ApplyOrder.KEYED ? "tidemark" : "tidemark_so";
    }

    @Override
    protected void prepare(Run run) throws Exception {
        job = PipelineJob.of(pipeline(run));
        job.prepare();
    }

    @Override
    protected JobGraph jobGraph(Run run, SavepointRestoreSettings restore) {
        return job.jobGraph(noRestarts(), restore);
    }

    private PipelineDef pipeline(Run run) {
        BenchPostgres pg = context.postgres();
        PostgresSourceDef source = new PostgresSourceDef(
                pg.host(), pg.port(), run.sourceDb(), BenchPostgres.USER, Secret.literal(BenchPostgres.PASSWORD),
                List.of(TABLE), run.slot(), run.slot(),
                PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE.defaultValue(), StartupMode.INITIAL);
        JdbcSinkDef sink = new JdbcSinkDef(
                SINK, pg.jdbcUrl(run.sinkDb()), BenchPostgres.USER, Secret.literal(BenchPostgres.PASSWORD),
                JdbcSinkOptions.BATCH_SIZE.defaultValue(),
                JdbcSinkOptions.FLUSH_INTERVAL.defaultValue(),
                JdbcSinkOptions.FLUSH_THREADS.defaultValue(),
                JdbcSinkOptions.TOMBSTONE_RETENTION.defaultValue(),
                JdbcSinkOptions.MAX_RETRIES.defaultValue(),
                order);
        CheckpointingDef checkpointing = new CheckpointingDef(
                context.settings().checkpointInterval(),
                CheckpointOptions.TIMEOUT.defaultValue(),
                Duration.ZERO,
                ExternalizedRetention.RETAIN_ON_CANCELLATION,
                run.checkpoints().resolve("checkpoints").toUri().toString(),
                run.checkpoints().resolve("savepoints").toUri().toString());
        return new PipelineDef("bench-" + prefix().replace('_', '-') + "-" + run.repetition(), context.settings().parallelism(), source,
                List.of(sink), List.of(new RouteDef(TABLE, SINK, TABLE)), checkpointing);
    }
}
