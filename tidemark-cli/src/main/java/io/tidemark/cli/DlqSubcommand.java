package io.tidemark.cli;

import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.StoredDeadLetter;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every {@code dlq} subcommand shares: the pipeline file, {@code --sink}, and opening the
 * queue of each selected sink (JDBC or Redis) as the pipeline file configures it.
 */
abstract class DlqSubcommand extends TidemarkCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--sink", paramLabel = "NAME", description = "Only this sink's queue (default: every sink of the pipeline).")
    String sink;

    /** The pipeline file, loaded as a run would load it. */
    PipelineDef pipeline() throws ConfigException {
        return PipelineConfigLoader.load(file);
    }

    /** The sinks to work on: the one named by --sink, or all of them. */
    List<SinkDef> sinks(PipelineDef def) throws ConfigException, NotFoundException {
        if (!def.deadLetterQueue().enabled()) {
            throw new ConfigException(List.of("dead-letter-queue.type: none; pipeline " + def.name()
                    + " has no dead-letter queue"));
        }
        List<SinkDef> selected = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (SinkDef s : def.sinks()) {
            names.add(s.name());
            if (sink == null || s.name().equals(sink)) {
                selected.add(s);
            }
        }
        if (selected.isEmpty()) {
            throw new NotFoundException("sink " + sink + " is not in pipeline " + def.name() + "; its sinks: "
                    + String.join(", ", names));
        }
        return selected;
    }

    static DeadLetterQueue open(PipelineDef def, SinkDef sink) {
        if (sink instanceof JdbcSinkDef jdbc) {
            return DeadLetterQueues.forJdbcSink(def.deadLetterQueue(), jdbc).orElseThrow().open();
        }
        if (sink instanceof RedisSinkDef) {
            // the loader refuses a Redis sink with the default queue, so there is always one here
            return DeadLetterQueues.forRedisSink(def.deadLetterQueue()).orElseThrow().open();
        }
        throw new IllegalArgumentException("unsupported sink " + sink.getClass().getSimpleName());
    }

    /** An entry's summary fields, as list prints them in JSON. */
    static Map<String, Object> summary(StoredDeadLetter entry) {
        DeadLetter letter = entry.letter();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", entry.id());
        m.put("sink", letter.sink());
        m.put("time", letter.lastFailure().toString());
        m.put("table", letter.event().table().toString());
        m.put("key", letter.rowKey());
        m.put("operation", letter.event().operation().name());
        m.put("position", letter.event().position().value());
        m.put("kind", letter.kind().name());
        m.put("errorClass", letter.errorClass());
        m.put("attempts", letter.attempts());
        m.put("replayed", entry.isReplayed() ? entry.replayResult().name() : null);
        return m;
    }

    static String replayed(StoredDeadLetter entry) {
        return entry.isReplayed() ? entry.replayResult().name() : "no";
    }
}
