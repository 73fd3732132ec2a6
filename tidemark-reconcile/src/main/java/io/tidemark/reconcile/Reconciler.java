package io.tidemark.reconcile;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.reconcile.redis.RedisReader;
import io.tidemark.reconcile.sql.DatabaseSide;
import io.tidemark.reconcile.sql.TablePlan;
import io.tidemark.reconcile.sql.TableReader;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Compares a pipeline's source with its sinks, table by table along the pipeline's routes, as the
 * pipeline file describes them: {@code tidemark reconcile}'s engine. It only reads; the sink rows
 * it reports are left as they are.
 */
public final class Reconciler {

    private final PipelineDef pipeline;
    private final ReconcileOptions options;
    private final ReconcileListener listener;

    public Reconciler(PipelineDef pipeline, ReconcileOptions options, ReconcileListener listener) {
        this.pipeline = pipeline;
        this.options = options;
        this.listener = listener;
    }

    /** Compares every selected route; throws {@link ReconcileException} for a table that cannot be compared. */
    public ReconcileReport run() throws Exception {
        List<RouteDef> routes = selectedRoutes();
        List<TableReconciliation> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "tidemark-reconcile");
            thread.setDaemon(true);
            return thread;
        });
        try (DatabaseSide source = Connections.source(pipeline.source())) {
            for (SinkDef sink : pipeline.sinks()) {
                List<RouteDef> sinkRoutes = routes.stream().filter(r -> r.sink().equals(sink.name())).toList();
                if (sinkRoutes.isEmpty()) {
                    continue;
                }
                if (sink instanceof JdbcSinkDef jdbc) {
                    try (DatabaseSide sinkSide = Connections.sink(jdbc)) {
                        for (RouteDef route : sinkRoutes) {
                            TableId sourceTable = TableId.parse(route.sourceTable());
                            TableId sinkTable = TableId.parse(route.sinkTable());
                            TablePlan plan = TablePlan.of(source, sourceTable, sinkSide, sinkTable);
                            JdbcTableComparison comparison = new JdbcTableComparison(plan,
                                    new TableReader(source, plan.source()), new TableReader(sinkSide, plan.sink()),
                                    pool, options, listener, sink.name());
                            results.add(done(comparison.run(route.sinkTable())));
                        }
                    }
                } else if (sink instanceof RedisSinkDef redisSink) {
                    try (RedisReader redis = connect(redisSink)) {
                        for (RouteDef route : sinkRoutes) {
                            TablePlan plan = TablePlan.sourceOnly(source, TableId.parse(route.sourceTable()));
                            RedisTableComparison comparison = new RedisTableComparison(plan,
                                    new TableReader(source, plan.source()), redis, redisSink,
                                    TableId.parse(route.sinkTable()), options, listener);
                            results.add(done(comparison.run()));
                        }
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new ReconcileReport(results);
    }

    private TableReconciliation done(TableReconciliation result) {
        listener.tableDone(result);
        return result;
    }

    /** The routes of the chosen tables to the chosen sinks; a name the pipeline does not have is refused. */
    private List<RouteDef> selectedRoutes() {
        Set<TableId> tables = new LinkedHashSet<>();
        for (String table : options.tables()) {
            TableId id;
            try {
                id = TableId.parse(table);
            } catch (IllegalArgumentException e) {
                throw new ReconcileException("--table " + table + ": " + e.getMessage());
            }
            if (pipeline.source().tables().stream().map(TableId::parse).noneMatch(id::equals)) {
                throw new ReconcileException("--table " + table + ": not a table of the pipeline; its tables: "
                        + String.join(", ", pipeline.source().tables()));
            }
            tables.add(id);
        }
        List<String> sinkNames = pipeline.sinks().stream().map(SinkDef::name).toList();
        for (String sink : options.sinks()) {
            if (!sinkNames.contains(sink)) {
                throw new ReconcileException("--sink " + sink + ": not a sink of the pipeline; its sinks: "
                        + String.join(", ", sinkNames));
            }
        }
        return pipeline.routes().stream()
                .filter(r -> tables.isEmpty() || tables.contains(TableId.parse(r.sourceTable())))
                .filter(r -> options.sinks().isEmpty() || options.sinks().contains(r.sink()))
                .toList();
    }

    private static RedisReader connect(RedisSinkDef sink) {
        try {
            return RedisReader.connect(sink);
        } catch (RuntimeException e) {
            throw new ReconcileException("sinks." + sink.name() + ": cannot connect to Redis at "
                    + io.tidemark.pipeline.sink.redis.RedisConnector.of(sink).uri() + " (" + e.getMessage() + ")", e);
        }
    }

}
