package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.StoredDeadLetter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tidemark dlq list FILE}: the entries of a pipeline's dead-letter queue, one line each in
 * source-position order, so that an operator sees what was rejected and why before fixing it.
 */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List dead-letter entries, one line each: id, time, table, key, operation, position, kind,"
                + " error class, attempts, replayed. Pending entries only unless --include-replayed.")
public final class DlqListCommand extends DlqSubcommand {

    private static final String FORMAT = "%-6s %-27s %-10s %-20s %-10s %-6s %-20s %-8s %-10s %-8s %s%n";

    @Mixin
    DlqFilterOptions filters = new DlqFilterOptions();

    @Option(names = "--include-replayed", description = "Also list entries already replayed (applied or skipped).")
    boolean includeReplayed;

    @Override
    protected int execute() throws Exception {
        PipelineDef def = pipeline();
        List<StoredDeadLetter> entries = new ArrayList<>();
        for (SinkDef s : sinks(def)) {
            try (DeadLetterQueue queue = open(def, s)) {
                entries.addAll(queue.list(def.name(), filters.filter(includeReplayed).withSink(s.name())));
            }
        }
        if (json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("pipeline", def.name());
            result.put("entries", entries.stream().map(DlqSubcommand::summary).toList());
            printJson(result);
            return ExitCodes.OK;
        }
        if (entries.isEmpty()) {
            out().println("no dead-letter entries match");
            return ExitCodes.OK;
        }
        out().printf(FORMAT, "ID", "TIME", "SINK", "TABLE", "KEY", "OP", "POSITION", "KIND", "ERROR", "ATTEMPTS", "REPLAYED");
        for (StoredDeadLetter entry : entries) {
            DeadLetter letter = entry.letter();
            out().printf(FORMAT, entry.id(), letter.lastFailure(), letter.sink(), letter.event().table(), letter.rowKey(),
                    letter.event().operation(), letter.event().position().value(), letter.kind(), letter.errorClass(),
                    letter.attempts(), replayed(entry));
        }
        return ExitCodes.OK;
    }
}
