package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterEncoding;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.event.ChangeEvent;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tidemark dlq show FILE ID}: one dead-letter entry in full, with the row images before and
 * after the change and the sink's error message, which is what fixing the cause needs.
 */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "Show one dead-letter entry in full: context, before/after row as JSON, error message.")
public final class DlqShowCommand extends DlqSubcommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "1", paramLabel = "ID", description = "The entry's id, as list prints it.")
    long id;

    @Override
    protected int execute() throws Exception {
        PipelineDef def = pipeline();
        List<StoredDeadLetter> found = new ArrayList<>();
        for (SinkDef s : sinks(def)) {
            try (DeadLetterQueue queue = open(def, s)) {
                Optional<StoredDeadLetter> entry = queue.get(def.name(), id);
                entry.filter(e -> e.letter().sink().equals(s.name())).ifPresent(found::add);
            }
        }
        if (found.isEmpty()) {
            throw new NotFoundException("dead-letter entry " + id + " not found in pipeline " + def.name()
                    + (sink == null ? "" : " sink " + sink));
        }
        if (found.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "entry " + id + " exists in sinks "
                    + String.join(", ", found.stream().map(e -> e.letter().sink()).toList()) + "; name one with --sink");
        }
        StoredDeadLetter entry = found.get(0);
        Map<String, Object> full = full(entry);
        if (json()) {
            printJson(full);
            return ExitCodes.OK;
        }
        for (Map.Entry<String, Object> field : full.entrySet()) {
            out().println(String.format("%-14s", field.getKey() + ":") + " " + (field.getValue() == null ? "-" : field.getValue()));
        }
        return ExitCodes.OK;
    }

    private static Map<String, Object> full(StoredDeadLetter entry) throws Exception {
        DeadLetter letter = entry.letter();
        ChangeEvent event = letter.event();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", entry.id());
        m.put("pipeline", letter.pipeline());
        m.put("sink", letter.sink());
        m.put("table", event.table().toString());
        m.put("sinkTable", letter.sinkTable());
        m.put("key", letter.rowKey());
        m.put("operation", event.operation().name());
        m.put("position", event.position().value());
        m.put("commitTime", event.commitTimeMillis() > 0 ? java.time.Instant.ofEpochMilli(event.commitTimeMillis()).toString() : null);
        m.put("kind", letter.kind().name());
        m.put("errorClass", letter.errorClass());
        m.put("errorMessage", letter.errorMessage());
        m.put("attempts", letter.attempts());
        m.put("firstFailure", letter.firstFailure().toString());
        m.put("lastFailure", letter.lastFailure().toString());
        m.put("replayed", entry.isReplayed() ? entry.replayResult().name() : null);
        m.put("replayedAt", entry.isReplayed() ? entry.replayedAt().toString() : null);
        m.put("before", row(event, event.before()));
        m.put("after", row(event, event.after()));
        return m;
    }

    private static Object row(ChangeEvent event, Object[] row) throws Exception {
        String json = DeadLetterEncoding.rowJson(event, row);
        return json == null ? null : JSON.readTree(json);
    }
}
