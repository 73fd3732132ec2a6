package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.source.SourcePositionLostException;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.cdc.connectors.base.source.assigner.SplitAssigner;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.enumerator.PostgresSourceEnumerator;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.FlinkRuntimeException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Flink CDC's PostgreSQL enumerator, which creates the pipeline's replication slot when the job
 * starts, before any chunk is read, saying what PostgreSQL waits for meanwhile in the log and in
 * the enumerator's gauges ({@link SlotCreationWait}): on Kubernetes the wait is then visible on the
 * running job's metrics and alertable, where a wait before the job would only show as a deployment
 * that never starts. Flink CDC's own creation in {@code start()} then finds the slot.
 *
 * <p>An enumerator restored from a checkpoint or savepoint never creates the slot: the state it
 * resumes from refers to changes only that slot held, and a new slot starts at the present, so the
 * changes in between would be silently missing from the sink. It fails the job instead, saying so.
 */
final class TidemarkPostgresSourceEnumerator extends PostgresSourceEnumerator {

    /** One wait per enumerator metric group: an enumerator recreated on failover reuses the registered gauges. */
    private static final Map<MetricGroup, SlotCreationWait> WAITS = new WeakHashMap<>();

    private final PostgresDialect dialect;
    private final String slot;
    private final boolean restored;
    private final SlotCreationWait wait;

    TidemarkPostgresSourceEnumerator(SplitEnumeratorContext<SourceSplitBase> context, PostgresSourceConfig config,
            SplitAssigner assigner, PostgresDialect dialect, Boundedness boundedness, String sourceName,
            boolean restored) {
        super(context, config, assigner, dialect, boundedness);
        this.dialect = dialect;
        this.slot = config.getDbzProperties().getProperty("slot.name");
        this.restored = restored;
        this.wait = waitOf(context.metricGroup(), sourceName);
    }

    private static SlotCreationWait waitOf(MetricGroup group, String sourceName) {
        synchronized (WAITS) {
            return WAITS.computeIfAbsent(group, g -> {
                SlotCreationWait created = new SlotCreationWait();
                created.register(g, sourceName);
                return created;
            });
        }
    }

    @Override
    public void start() {
        try {
            if (restored) {
                requireSlot();
            } else {
                PipelineSlots.createPipelineSlot(this::connect, slot, wait);
            }
        } catch (SQLException e) {
            throw new FlinkRuntimeException("source: cannot " + (restored ? "look up" : "create") + " replication slot "
                    + slot + ": " + e.getMessage(), e);
        }
        super.start();
    }

    private void requireSlot() throws SQLException {
        try (Connection c = connect()) {
            if (!PipelineSlots.exists(c, slot)) {
                throw new SourcePositionLostException("source: replication slot " + slot + " does not exist, but the job"
                        + " resumes from a checkpoint or savepoint taken while it did, so the changes since then are gone"
                        + " from PostgreSQL; start the pipeline anew with a snapshot into empty sink tables (tidemark run"
                        + " --config FILE, without --from-savepoint)");
            }
        }
    }

    private Connection connect() throws SQLException {
        return dialect.openJdbcConnection().connection();
    }
}
