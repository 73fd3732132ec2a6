package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import static io.tidemark.pipeline.config.OptionField.derived;
import static io.tidemark.pipeline.config.OptionField.required;

/** Keys of one entry of the {@code routes} list. */
public final class RouteOptions {

    public static final ConfigOption<String> SOURCE_TABLE =
            ConfigOptions.key("source-table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Source table whose changes are routed; one of source.tables.");

    public static final ConfigOption<String> SINK =
            ConfigOptions.key("sink")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Name of the sink that receives the changes.");

    public static final ConfigOption<String> SINK_TABLE =
            ConfigOptions.key("sink-table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Table written in the sink, as schema.table (on MySQL and MariaDB the schema is the"
                            + " database), quoted like source.tables.");

    static final OptionSection SECTION = OptionSection.of(
            "routes[]",
            required(SOURCE_TABLE, TableNames.tableName()),
            required(SINK, ValueTypes.name()),
            derived(SINK_TABLE, TableNames.tableName(), "same as `source-table`"));

    private RouteOptions() {}
}
