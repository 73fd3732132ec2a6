package io.tidemark.cli;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.sink.jdbc.writer.DeadLetterReplayer;
import io.tidemark.pipeline.sink.redis.RedisDeadLetterReplayer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tidemark dlq replay FILE}: once the cause is fixed, re-applies the pending entries through
 * the sink's own guarded path (see {@link DeadLetterReplayer} and {@link RedisDeadLetterReplayer})
 * and prints what it did. Safe to stop and rerun. Exits 1 if entries are still rejected or wait
 * behind one; they stay pending.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Replay pending dead-letter entries through the sink's guarded path, in source-position order;"
                + " entries older than what the sink holds are skipped and reported. Safe to interrupt and rerun.")
public final class DlqReplayCommand extends DlqSubcommand {

    @Mixin
    DlqFilterOptions filters = new DlqFilterOptions();

    @Override
    protected int execute() throws Exception {
        PipelineDef def = pipeline();
        List<ReplaySummary> summaries = new ArrayList<>();
        for (SinkDef s : sinks(def)) {
            summaries.add(replay(def, s, filters.filter(false)));
        }
        int pending = 0;
        for (ReplaySummary summary : summaries) {
            pending += summary.total().stillRejected() + summary.total().blocked();
        }
        if (json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("pipeline", def.name());
            result.put("sinks", summaries.stream().map(DlqReplayCommand::json).toList());
            printJson(result);
        } else {
            summaries.forEach(this::print);
        }
        if (pending > 0) {
            err().println(Main.PREFIX + pending + (pending == 1 ? " entry is" : " entries are")
                    + " still pending (rejected again, or waiting behind a rejected entry of their row)");
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    private static ReplaySummary replay(PipelineDef def, SinkDef sink, DeadLetterFilter filter) throws Exception {
        if (sink instanceof RedisSinkDef redis) {
            try (RedisDeadLetterReplayer replayer = RedisDeadLetterReplayer.of(def, redis)) {
                return replayer.replay(filter);
            }
        }
        try (DeadLetterReplayer replayer = DeadLetterReplayer.of(def, (JdbcSinkDef) sink)) {
            return replayer.replay(filter);
        }
    }

    private void print(ReplaySummary summary) {
        out().println("sink " + summary.sink() + ": " + counts(summary.total()));
        summary.byTable().forEach((table, counts) -> out().println("  " + table + ": " + counts(counts)));
        for (ReplaySummary.Entry entry : summary.entries()) {
            if (entry.outcome() != ReplaySummary.Outcome.APPLIED) {
                out().println("  " + entry.outcome().name().toLowerCase() + " " + entry.id() + " " + entry.sourceTable()
                        + " key " + entry.rowKey() + " position " + entry.position() + ": " + entry.detail());
            }
        }
    }

    private static String counts(ReplaySummary.Counts c) {
        return c.applied() + " applied, " + c.skipped() + " skipped, " + c.stillRejected() + " still rejected, "
                + c.blocked() + " blocked";
    }

    private static Map<String, Object> json(ReplaySummary summary) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sink", summary.sink());
        m.put("total", summary.total());
        m.put("tables", summary.byTable());
        m.put("entries", summary.entries());
        return m;
    }
}
