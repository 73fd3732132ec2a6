package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.ChangeSink;
import io.tidemark.pipeline.sink.jdbc.JdbcChangeSink;
import io.tidemark.pipeline.sink.redis.RedisChangeSink;
import io.tidemark.pipeline.source.ChangeSource;
import io.tidemark.pipeline.source.mysql.MySqlChangeSource;
import io.tidemark.pipeline.source.postgres.PostgresChangeSource;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.Partitioner;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.flink.util.MathUtils;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Turns a pipeline definition into a Flink job: source, then per sink a route function, a
 * partitioning on table and primary key (per-row order at any parallelism above 1), and the sink.
 * The parts are injectable so that tests can swap the source, a sink, or put a stage in between.
 *
 * <p>A sink in source order (one subtask) also gets the end of every source transaction, as a
 * COMMIT event, so that it commits whole source transactions; the source sends them only when
 * such a sink exists.
 *
 * <p>A truncate concerns rows on every sink subtask, so the route function sends one copy of it to
 * each (copy {@code i} of {@code n} goes to subtask {@code i}); every channel stays in source
 * order, so each subtask sees the truncate after all of its earlier changes.
 */
public final class PipelineComposer {

    private final ChangeSource source;
    private final List<ChangeSink> sinks;
    private final Map<String, Set<TableId>> tablesBySink;
    private final UnaryOperator<DataStream<ChangeEvent>> afterSource;

    private PipelineComposer(
            ChangeSource source,
            List<ChangeSink> sinks,
            Map<String, Set<TableId>> tablesBySink,
            UnaryOperator<DataStream<ChangeEvent>> afterSource) {
        this.source = source;
        this.sinks = sinks;
        this.tablesBySink = tablesBySink;
        this.afterSource = afterSource;
    }

    /** The production composition of a pipeline definition. */
    public static PipelineComposer of(PipelineDef def) {
        Map<String, Set<TableId>> tablesBySink = new LinkedHashMap<>();
        List<ChangeSink> sinks = new ArrayList<>();
        for (SinkDef sinkDef : def.sinks()) {
            Map<TableId, TableId> routes = new LinkedHashMap<>();
            for (RouteDef route : def.routes()) {
                if (route.sink().equals(sinkDef.name())) {
                    routes.put(TableId.parse(route.sourceTable()), TableId.parse(route.sinkTable()));
                }
            }
            tablesBySink.put(sinkDef.name(), routes.keySet());
            sinks.add(createSink(def, sinkDef, routes));
        }
        // only a sink in source order commits whole source transactions, and needs to see where they end
        boolean transactionEnds = sinks.stream().anyMatch(ChangeSink::appliesInSourceOrder);
        return new PipelineComposer(createSource(def, transactionEnds), sinks, tablesBySink, UnaryOperator.identity());
    }

    private static ChangeSource createSource(PipelineDef def, boolean transactionEnds) {
        if (def.source() instanceof PostgresSourceDef postgres) {
            return new PostgresChangeSource(postgres, transactionEnds);
        }
        if (def.source() instanceof MySqlSourceDef mysql) {
            return new MySqlChangeSource(mysql, transactionEnds);
        }
        throw new IllegalArgumentException("unsupported source " + def.source().getClass().getSimpleName());
    }

    private static ChangeSink createSink(PipelineDef def, SinkDef sinkDef, Map<TableId, TableId> routes) {
        if (sinkDef instanceof JdbcSinkDef jdbc) {
            return new JdbcChangeSink(def.name(), jdbc, routes, def.deadLetterQueue());
        }
        if (sinkDef instanceof RedisSinkDef redis) {
            return new RedisChangeSink(def.name(), redis, routes, def.deadLetterQueue());
        }
        throw new IllegalArgumentException("unsupported sink " + sinkDef.getClass().getSimpleName());
    }

    /** The same pipeline with another source (tests). */
    public PipelineComposer withSource(ChangeSource replacement) {
        return new PipelineComposer(Objects.requireNonNull(replacement), sinks, tablesBySink, afterSource);
    }

    /** The same pipeline with a stage between source and routing (tests inject failures here). */
    public PipelineComposer withStageAfterSource(UnaryOperator<DataStream<ChangeEvent>> stage) {
        return new PipelineComposer(source, sinks, tablesBySink, Objects.requireNonNull(stage));
    }

    public ChangeSource source() {
        return source;
    }

    public List<ChangeSink> sinks() {
        return sinks;
    }

    /** Checks and prepares every sink; run once before the job is submitted. */
    public void prepareSinks() throws Exception {
        prepareSinks(Map.of());
    }

    /** Checks and prepares every sink against the source tables' primary keys. */
    public void prepareSinks(Map<TableId, List<String>> sourceKeys) throws Exception {
        for (ChangeSink sink : sinks) {
            sink.prepare(sourceKeys);
        }
    }

    public void compose(StreamExecutionEnvironment env) {
        DataStream<ChangeEvent> changes = afterSource.apply(source.createStream(env, OperatorUids.SOURCE));
        for (ChangeSink sink : sinks) {
            Set<TableId> tables = tablesBySink.getOrDefault(sink.name(), Set.of());
            // a sink in source order gets every change from one writer subtask, in the order it left the source
            int sinkParallelism = sink.appliesInSourceOrder() ? 1 : env.getParallelism();
            DataStream<ChangeEvent> routed = changes
                    .flatMap(new RouteFunction(tables, sinkParallelism, sink.appliesInSourceOrder()))
                    .returns(changes.getType())
                    .name("route to " + sink.name())
                    .uid(OperatorUids.route(sink.name()));
            if (sinkParallelism > 1) {
                routed = routed.partitionCustom(new RowPartitioner(), new RowKeySelector());
            }
            // At parallelism 1 every row already reaches the one writer in source order; without the
            // partitioning the sink chains to the source and no event is serialized between them. The
            // uids stay the same, so a savepoint restores across a parallelism change either way.
            routed.sinkTo(sink.createSink())
                    .setParallelism(sinkParallelism)
                    .name("sink " + sink.name())
                    .uid(OperatorUids.sink(sink.name()));
        }
    }

    /**
     * Keeps the events of the tables routed to one sink, with one copy of a truncate per sink
     * subtask, and every source transaction's COMMIT for a sink in source order (the others do not
     * need them).
     */
    private static final class RouteFunction implements FlatMapFunction<ChangeEvent, ChangeEvent> {
        private static final long serialVersionUID = 1L;
        private final Set<TableId> tables;
        private final int sinkSubtasks;
        private final boolean commits;

        RouteFunction(Set<TableId> tables, int sinkSubtasks, boolean commits) {
            this.tables = Set.copyOf(tables);
            this.sinkSubtasks = sinkSubtasks;
            this.commits = commits;
        }

        @Override
        public void flatMap(ChangeEvent event, Collector<ChangeEvent> out) {
            if (event.operation() == ChangeOperation.COMMIT) {
                if (commits) {
                    out.collect(event); // whatever tables it changed: a commit of none of this sink's is a no-op there
                }
                return;
            }
            if (!tables.contains(event.table())) {
                return;
            }
            if (event.operation() == ChangeOperation.TRUNCATE) {
                for (int copy = 0; copy < sinkSubtasks; copy++) {
                    out.collect(event.truncateCopy(copy, sinkSubtasks));
                }
            } else if (event.operation() == ChangeOperation.SWEEP) {
                for (int copy = 0; copy < sinkSubtasks; copy++) {
                    out.collect(event.sweepCopy(copy, sinkSubtasks));
                }
            } else {
                out.collect(event);
            }
        }

        @Override
        public String toString() {
            return tables.stream().map(TableId::toString).collect(Collectors.joining(","));
        }
    }

    /**
     * The partitioning key: a row's hash of table and primary key (non-negative), or for copy
     * {@code i} of a truncate or a sweep {@code -1 - i}.
     */
    private static final class RowKeySelector implements KeySelector<ChangeEvent, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(ChangeEvent event) {
            return switch (event.operation()) {
                case TRUNCATE -> -1L - event.truncateCopy();
                case SWEEP -> -1L - event.sweepCopy();
                default -> event.keyHash() & 0xFFFF_FFFFL;
            };
        }
    }

    /** Spreads rows over the sink subtasks by their key's hash; truncate or sweep copy {@code i} goes to subtask {@code i}. */
    private static final class RowPartitioner implements Partitioner<Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public int partition(Long key, int subtasks) {
            return key < 0 ? (int) ((-1L - key) % subtasks) : MathUtils.murmurHash((int) (long) key) % subtasks;
        }
    }
}
