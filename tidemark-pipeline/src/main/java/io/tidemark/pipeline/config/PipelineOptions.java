package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import static io.tidemark.pipeline.config.OptionField.required;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of the {@code pipeline} section of {@code pipeline.yaml}. */
public final class PipelineOptions {

    public static final ConfigOption<String> NAME =
            ConfigOptions.key("name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Name of the pipeline. It names the Flink job and is the base of the default"
                                    + " replication slot, so keep it stable.");

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("parallelism")
                    .intType()
                    .defaultValue(1)
                    .withDescription("Parallelism of the job's operators.");

    static final OptionSection SECTION = OptionSection.of(
            "pipeline",
            required(NAME, ValueTypes.name()),
            withDefault(PARALLELISM, ValueTypes.integer(1, 512)));

    private PipelineOptions() {}
}
