package io.tidemark.pipeline.teardown;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcSinkTeardown;
import io.tidemark.pipeline.sink.redis.RedisSinkTeardown;
import io.tidemark.pipeline.source.mysql.MySqlSourceTeardown;
import io.tidemark.pipeline.source.postgres.PostgresSourceTeardown;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Removes what a pipeline created outside its job, source first, then each sink in the file's
 * order: the counterpart of the preparation a job does before it starts ({@code PipelineJob.prepare}).
 * {@link #plan()} reads every side and changes nothing; {@link #execute()} refuses while a job still
 * reads the source, and otherwise removes what each side plans.
 */
public final class PipelineTeardown {

    private final List<Teardown> sides;

    private PipelineTeardown(List<Teardown> sides) {
        this.sides = List.copyOf(sides);
    }

    /** The teardown of {@code def}'s source and sinks. */
    public static PipelineTeardown of(PipelineDef def, TeardownOptions options) {
        List<Teardown> sides = new ArrayList<>();
        if (def.source() instanceof PostgresSourceDef postgres) {
            sides.add(new PostgresSourceTeardown(postgres));
        } else if (def.source() instanceof MySqlSourceDef mysql) {
            sides.add(new MySqlSourceTeardown(mysql));
        } else {
            throw new IllegalArgumentException("unsupported source " + def.source().getClass().getSimpleName());
        }
        Set<TableId> pipelineTables = new LinkedHashSet<>();
        def.routes().forEach(route -> pipelineTables.add(TableId.parse(route.sinkTable())));
        for (SinkDef sink : def.sinks()) {
            if (sink instanceof JdbcSinkDef jdbc) {
                sides.add(new JdbcSinkTeardown(def.name(), jdbc, sinkTables(def, sink.name()), pipelineTables,
                        def.deadLetterQueue(), options));
            } else if (sink instanceof RedisSinkDef redis) {
                sides.add(new RedisSinkTeardown(def.name(), redis, def.deadLetterQueue(), options.includeDeadLetters()));
            }
        }
        return new PipelineTeardown(sides);
    }

    private static List<TableId> sinkTables(PipelineDef def, String sink) {
        Set<TableId> tables = new LinkedHashSet<>();
        for (RouteDef route : def.routes()) {
            if (route.sink().equals(sink)) {
                tables.add(TableId.parse(route.sinkTable()));
            }
        }
        return List.copyOf(tables);
    }

    /** What a drop would do, side by side; nothing is changed. */
    public List<TeardownSection> plan() throws Exception {
        List<TeardownSection> sections = new ArrayList<>();
        for (Teardown side : sides) {
            sections.add(side.plan());
        }
        return sections;
    }

    /** After {@link #plan()}: why nothing may be removed now, if so (a job still reads the source). */
    public Optional<String> refusal() {
        return sides.stream().map(Teardown::refusal).flatMap(Optional::stream).findFirst();
    }

    /**
     * Removes everything each side plans, reading each again first; a side whose objects came into
     * use since (a job started) fails before it changes anything, and so does every side after it.
     */
    public List<TeardownSection> execute() throws Exception {
        List<TeardownSection> sections = new ArrayList<>();
        for (Teardown side : sides) {
            sections.add(side.execute());
        }
        return sections;
    }
}
