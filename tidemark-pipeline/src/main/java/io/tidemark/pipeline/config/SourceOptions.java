package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Keys that every source type declares the same way; each type's options class refers to these,
 * so that a key means the same thing, with the same default, whatever the source.
 */
final class SourceOptions {

    static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Password of the user, as ${env:NAME} or ${file:/absolute/path}; resolved when"
                                    + " the job connects. A literal value is accepted for local use only.");

    static final ConfigOption<Integer> SNAPSHOT_CHUNK_SIZE =
            ConfigOptions.key("snapshot-chunk-size")
                    .intType()
                    .defaultValue(8096)
                    .withDescription("Rows per chunk while the initial snapshot is taken. Each reader holds a whole chunk in"
                            + " memory; smaller chunks cost a fixed hand-off each (2,048 is 2.7x slower than the default),"
                            + " larger ones buy little (16,384: about 14 % faster for narrow rows, for twice the memory);"
                            + " see docs/benchmarks.md.");

    static final ConfigOption<StartupMode> STARTUP_MODE =
            ConfigOptions.key("startup-mode")
                    .enumType(StartupMode.class)
                    .defaultValue(StartupMode.INITIAL)
                    .withDescription(
                            "initial copies the existing rows and then streams changes; latest streams"
                                    + " only changes made after the job first starts.");

    static final ConfigOption<TruncateHandling> TRUNCATE =
            ConfigOptions.key("truncate")
                    .enumType(TruncateHandling.class)
                    .defaultValue(TruncateHandling.APPLY)
                    .withDescription(
                            "apply empties a truncated table in every sink it is routed to (rows written before"
                                    + " the truncate go, later changes apply, a replay never brings a row back);"
                                    + " fail stops the job with one line naming the table and the position.");

    private SourceOptions() {}
}
