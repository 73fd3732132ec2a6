package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.util.List;

import static io.tidemark.pipeline.config.OptionField.derived;
import static io.tidemark.pipeline.config.OptionField.required;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of the {@code source} section when {@code type: postgres}. */
public final class PostgresSourceOptions {

    /** The value of {@link #TYPE} that selects this source. */
    public static final String TYPE_NAME = "postgres";

    public static final ConfigOption<String> TYPE =
            ConfigOptions.key("type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kind of source: postgres.");

    public static final ConfigOption<String> HOSTNAME =
            ConfigOptions.key("hostname")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Host name or IP address of the PostgreSQL server.");

    public static final ConfigOption<Integer> PORT =
            ConfigOptions.key("port")
                    .intType()
                    .defaultValue(5432)
                    .withDescription("Port of the PostgreSQL server.");

    public static final ConfigOption<String> DATABASE =
            ConfigOptions.key("database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Database whose tables are captured.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "User to connect as. It needs the REPLICATION attribute and SELECT on the"
                                    + " captured tables.");

    public static final ConfigOption<String> PASSWORD = SourceOptions.PASSWORD;

    public static final ConfigOption<List<String>> TABLES =
            ConfigOptions.key("tables")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription("Tables to capture, each as schema.table; a name with capitals kept, spaces or other"
                            + " characters in double quotes, as in \"Sales\".\"Order Items\".");

    public static final ConfigOption<String> SLOT_NAME =
            ConfigOptions.key("slot-name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Logical replication slot. Each pipeline needs its own slot on the server.");

    public static final ConfigOption<String> PUBLICATION_NAME =
            ConfigOptions.key("publication-name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Publication that lists the captured tables.");

    public static final ConfigOption<Integer> SNAPSHOT_CHUNK_SIZE = SourceOptions.SNAPSHOT_CHUNK_SIZE;

    public static final ConfigOption<StartupMode> STARTUP_MODE = SourceOptions.STARTUP_MODE;

    public static final ConfigOption<TruncateHandling> TRUNCATE = SourceOptions.TRUNCATE;

    static final OptionSection SECTION = OptionSection.of(
            "source",
            required(TYPE, ValueTypes.oneOf(List.of(TYPE_NAME))),
            required(HOSTNAME, ValueTypes.string()),
            withDefault(PORT, ValueTypes.integer(1, 65535)),
            required(DATABASE, ValueTypes.string()),
            required(USERNAME, ValueTypes.string()),
            required(PASSWORD, ValueTypes.secretReference()),
            required(TABLES, TableNames.sourceTableList()),
            derived(SLOT_NAME, ValueTypes.identifier(), "`tidemark_` + `pipeline.name` with `-` replaced by `_`"),
            derived(PUBLICATION_NAME, ValueTypes.identifier(), "same as `slot-name`"),
            withDefault(SNAPSHOT_CHUNK_SIZE, ValueTypes.integer(1, Integer.MAX_VALUE)),
            withDefault(STARTUP_MODE, ValueTypes.enumOf(StartupMode.class)),
            withDefault(TRUNCATE, ValueTypes.enumOf(TruncateHandling.class)));

    private PostgresSourceOptions() {}

    /** The slot name used when {@link #SLOT_NAME} is not set; may be too long for a long pipeline name. */
    public static String defaultSlotName(String pipelineName) {
        return "tidemark_" + pipelineName.replace('-', '_');
    }
}
