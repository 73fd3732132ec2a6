package io.tidemark.cli;

import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tidemark config check FILE}: loads a pipeline file exactly as a run would, without
 * connecting anywhere, and reports every problem in it, one line each.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Check a pipeline file; print every problem in it, one line each, without connecting anywhere.")
public final class ConfigCheckCommand extends TidemarkCommand {

    @Parameters(paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Override
    protected int execute() throws ConfigException {
        PipelineDef def;
        try {
            def = PipelineConfigLoader.load(file);
        } catch (ConfigException e) {
            if (json()) {
                printJson(result(false, e.problems()));
                return ExitCodes.of(e);
            }
            throw e;
        }
        if (json()) {
            printJson(result(true, List.of()));
        } else {
            out().println(file + ": ok (" + count(def.source().tables().size(), "table") + ", "
                    + count(def.sinks().size(), "sink") + ")");
        }
        return ExitCodes.OK;
    }

    private Map<String, Object> result(boolean valid, List<String> problems) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("file", file.toString());
        result.put("valid", valid);
        result.put("problems", problems);
        return result;
    }

    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
