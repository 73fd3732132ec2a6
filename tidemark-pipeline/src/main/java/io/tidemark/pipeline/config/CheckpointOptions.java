package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

import static io.tidemark.pipeline.config.OptionField.derived;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of the {@code checkpointing} section; named apart from Flink's {@code CheckpointingOptions}. */
public final class CheckpointOptions {

    public static final ConfigOption<Duration> INTERVAL =
            ConfigOptions.key("interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Time between the starts of two checkpoints.");

    public static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(120))
                    .withDescription("A checkpoint that takes longer is aborted.");

    public static final ConfigOption<Duration> MIN_PAUSE =
            ConfigOptions.key("min-pause")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("Least time between the end of one checkpoint and the start of the next.");

    public static final ConfigOption<ExternalizedRetention> EXTERNALIZED_RETENTION =
            ConfigOptions.key("externalized-retention")
                    .enumType(ExternalizedRetention.class)
                    .defaultValue(ExternalizedRetention.RETAIN_ON_CANCELLATION)
                    .withDescription(
                            "Whether the last checkpoint is kept when the job is cancelled, so the job can"
                                    + " be restored from it.");

    public static final ConfigOption<String> CHECKPOINTS_DIR =
            ConfigOptions.key("checkpoints-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Directory URI for checkpoints.");

    public static final ConfigOption<String> SAVEPOINTS_DIR =
            ConfigOptions.key("savepoints-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Default directory URI for savepoints.");

    static final OptionSection SECTION = OptionSection.of(
            "checkpointing",
            withDefault(INTERVAL, ValueTypes.duration(false)),
            withDefault(TIMEOUT, ValueTypes.duration(false)),
            withDefault(MIN_PAUSE, ValueTypes.duration(true)),
            withDefault(EXTERNALIZED_RETENTION, ValueTypes.enumOf(ExternalizedRetention.class)),
            derived(CHECKPOINTS_DIR, ValueTypes.storageUri(), "`file://${java.io.tmpdir}/tidemark/checkpoints`"),
            derived(SAVEPOINTS_DIR, ValueTypes.storageUri(), "`file://${java.io.tmpdir}/tidemark/savepoints`"));

    private CheckpointOptions() {}

    /** The checkpoint directory used when {@link #CHECKPOINTS_DIR} is not set; for local runs. */
    public static String defaultCheckpointsDir() {
        return localTempUri("checkpoints");
    }

    /** The savepoint directory used when {@link #SAVEPOINTS_DIR} is not set; for local runs. */
    public static String defaultSavepointsDir() {
        return localTempUri("savepoints");
    }

    private static String localTempUri(String leaf) {
        String tmp = System.getProperty("java.io.tmpdir").replace('\\', '/');
        while (tmp.length() > 1 && tmp.endsWith("/")) {
            tmp = tmp.substring(0, tmp.length() - 1);
        }
        return "file://" + (tmp.startsWith("/") ? "" : "/") + tmp + "/tidemark/" + leaf;
    }
}
