package io.tidemark.pipeline.sink.redis;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.dlq.DeadLetterTeardown;
import io.tidemark.pipeline.teardown.Teardown;
import io.tidemark.pipeline.teardown.TeardownSection;
import io.tidemark.pipeline.teardown.TeardownStep;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What dropping a pipeline does to a Redis sink: nothing in Redis. The sink keeps no state of the
 * pipeline alone: its truncation marks, truncate arrivals and tombstones are keyed by sink table
 * (another pipeline may write the same keys), tombstones and arrivals expire on their own, and the
 * position is a field of each row. The plan says so in one line; dead-letter entries in a queue
 * database are handled as for any sink.
 */
public final class RedisSinkTeardown implements Teardown {

    private final RedisSinkDef sink;
    private final DeadLetterTeardown deadLetters;

    public RedisSinkTeardown(String pipeline, RedisSinkDef sink, DeadLetterQueueDef queue, boolean includeDeadLetters) {
        this.sink = sink;
        this.deadLetters = new DeadLetterTeardown(pipeline, sink.name(), queue, includeDeadLetters);
    }

    @Override
    public TeardownSection plan() throws SQLException {
        return section(deadLetters.plan());
    }

    @Override
    public TeardownSection execute() throws SQLException {
        return section(deadLetters.execute());
    }

    private TeardownSection section(List<TeardownStep> queue) {
        List<TeardownStep> steps = new ArrayList<>();
        String prefix = sink.keyPrefix();
        steps.add(TeardownStep.none("nothing in Redis: its rows' " + GuardedWriteScript.POSITION_FIELD
                + " fields, truncation marks ({" + prefix + ":_tidemark:<table>}:truncated) and tombstones (which"
                + " expire) stay: they belong to the keys, which another pipeline may write too"));
        steps.addAll(queue);
        return new TeardownSection("sinks." + sink.name() + " " + sink.uri().replaceFirst("\\?.*$", ""), steps);
    }
}
