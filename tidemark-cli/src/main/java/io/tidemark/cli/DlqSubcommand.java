package io.tidemark.cli;

import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
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
 * queue of each selected JDBC sink as the pipeline file configures it.
 */
abstract class DlqSubcommand extends TidemarkCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--sink", paramLabel = "NAME", description = "Only this sink's queue (default: every JDBC sink of the pipeline).")
    String sink;

    /** The pipeline file, loaded as a run would load it. */
    PipelineDef pipeline() throws ConfigException {
        return PipelineConfigLoader.load(file);
    }

    /** The JDBC sinks to work on: the one named by --sink, or all of them. */
    List<JdbcSinkDef> sinks(PipelineDef def) throws ConfigException, NotFoundException {
        if (!def.deadLetterQueue().enabled()) {
            throw new ConfigException(List.of("dead-letter-queue.type: none; pipeline " + def.name()
                    + " has no dead-letter queue"));
        }
        List<JdbcSinkDef> jdbc = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (SinkDef s : def.sinks()) {
            names.add(s.name());
            if (sink != null && !s.name().equals(sink)) {
                continue;
            }
            if (s instanceof JdbcSinkDef j) {
                jdbc.add(j);
            } else if (sink != null) {
                throw new NotFoundException("sink " + sink + " has no dead-letter queue (only JDBC sinks have one)");
            }
        }
        if (sink != null && jdbc.isEmpty()) {
            throw new NotFoundException("sink " + sink + " is not in pipeline " + def.name() + "; its sinks: "
                    + String.join(", ", names));
        }
        if (jdbc.isEmpty()) {
            throw new NotFoundException("pipeline " + def.name() + " has no JDBC sink, so no dead-letter queue");
        }
        return jdbc;
    }

    static DeadLetterQueue open(PipelineDef def, JdbcSinkDef sink) {
        return DeadLetterQueues.forJdbcSink(def.deadLetterQueue(), sink).orElseThrow().open();
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
