package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

import static io.tidemark.pipeline.config.OptionField.required;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of one entry of the {@code sinks} list when {@code type: jdbc}. */
public final class JdbcSinkOptions {

    /** The value of {@link #TYPE} that selects this sink. */
    public static final String TYPE_NAME = "jdbc";

    public static final ConfigOption<String> NAME =
            ConfigOptions.key("name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Name of the sink, unique in the file; routes refer to it.");

    public static final ConfigOption<String> TYPE =
            ConfigOptions.key("type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kind of sink: jdbc here; redis for a Redis sink (see below).");

    public static final ConfigOption<String> URL =
            ConfigOptions.key("url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JDBC URL of the target database: jdbc:postgresql:, jdbc:mysql: or"
                                    + " jdbc:mariadb:. It must not contain credentials; use username and"
                                    + " password.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("User to connect as.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Password of the user, as ${env:NAME} or ${file:/absolute/path}; resolved when"
                                    + " the job connects. A literal value is accepted for local use only.");

    public static final ConfigOption<Integer> BATCH_SIZE =
            ConfigOptions.key("batch-size")
                    .intType()
                    .defaultValue(5000)
                    .withDescription("Maximum number of rows written in one batch.");

    public static final ConfigOption<Duration> FLUSH_INTERVAL =
            ConfigOptions.key("flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDescription("Longest time a row waits in an incomplete batch before it is written.");

    public static final ConfigOption<Integer> FLUSH_THREADS =
            ConfigOptions.key("flush-threads")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Threads that write batches to the database.");

    public static final ConfigOption<Duration> TOMBSTONE_RETENTION =
            ConfigOptions.key("tombstone-retention")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long the sink remembers a deleted row (its tombstone), so that an older"
                                    + " change arriving late cannot bring the row back.");

    public static final ConfigOption<Integer> MAX_RETRIES =
            ConfigOptions.key("max-retries")
                    .intType()
                    .defaultValue(3)
                    .withDescription("Retries of a failed batch before the job fails; 0 disables retries.");

    public static final ConfigOption<ApplyOrder> APPLY_ORDER =
            ConfigOptions.key("apply-order")
                    .enumType(ApplyOrder.class)
                    .defaultValue(ApplyOrder.KEYED)
                    .withDescription(
                            "keyed applies each row's changes in source order but different rows in parallel"
                                    + " (batches compacted per row, several flushers and subtasks); source applies"
                                    + " every change in source order with one writer, and commits whole source"
                                    + " transactions only, so that unique indexes besides the primary key and foreign"
                                    + " keys on the sink tables hold and readers never see part of a source"
                                    + " transaction. With keyed, sink"
                                    + " tables with such constraints are refused at start.");

    static final OptionField<String> NAME_FIELD = required(NAME, ValueTypes.name());

    static final OptionSection SECTION = OptionSection.of(
            "sinks[]",
            NAME_FIELD,
            required(TYPE, ValueTypes.oneOf(List.of(TYPE_NAME))),
            required(URL, ValueTypes.jdbcUrl()),
            required(USERNAME, ValueTypes.string()),
            required(PASSWORD, ValueTypes.secretReference()),
            withDefault(BATCH_SIZE, ValueTypes.integer(1, 100_000)),
            withDefault(FLUSH_INTERVAL, ValueTypes.duration(false)),
            withDefault(FLUSH_THREADS, ValueTypes.integer(1, 64)),
            withDefault(TOMBSTONE_RETENTION, ValueTypes.duration(false)),
            withDefault(MAX_RETRIES, ValueTypes.integer(0, 100)),
            withDefault(APPLY_ORDER, ValueTypes.enumOf(ApplyOrder.class)));

    private JdbcSinkOptions() {}
}
