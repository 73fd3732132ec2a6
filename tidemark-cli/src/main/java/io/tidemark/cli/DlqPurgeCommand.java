package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.dlq.DeadLetterQueue;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code tidemark dlq purge FILE}: deletes dead-letter entries, pending or replayed. Deleting a
 * pending entry drops a change for good, so it takes an explicit filter or {@code --all}.
 */
@Command(
        name = "purge",
        mixinStandardHelpOptions = true,
        description = "Delete dead-letter entries matching the filters (pending and replayed); needs a filter or --all.")
public final class DlqPurgeCommand extends DlqSubcommand {

    @Mixin
    DlqFilterOptions filters = new DlqFilterOptions();

    @Option(names = "--all", description = "Delete every entry of the selected sinks.")
    boolean all;

    @Override
    protected int execute() throws Exception {
        if (!all && !filters.any()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "purge needs a filter (--table, --key, --from, --to, --error-class) or --all");
        }
        PipelineDef def = pipeline();
        Map<String, Integer> purged = new LinkedHashMap<>();
        for (SinkDef s : sinks(def)) {
            try (DeadLetterQueue queue = open(def, s)) {
                purged.put(s.name(), queue.purge(def.name(), filters.filter(true).withSink(s.name())));
            }
        }
        if (json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("pipeline", def.name());
            result.put("purged", purged);
            printJson(result);
        } else {
            purged.forEach((name, n) -> out().println("sink " + name + ": purged " + n + (n == 1 ? " entry" : " entries")));
        }
        return ExitCodes.OK;
    }
}
