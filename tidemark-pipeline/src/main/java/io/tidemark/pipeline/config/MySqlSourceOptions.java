package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

import static io.tidemark.pipeline.config.OptionField.derived;
import static io.tidemark.pipeline.config.OptionField.required;
import static io.tidemark.pipeline.config.OptionField.withDefault;

/** Keys of the {@code source} section when {@code type: mysql} (MySQL or MariaDB). */
public final class MySqlSourceOptions {

    /** The value of {@link #TYPE} that selects this source. */
    public static final String TYPE_NAME = "mysql";

    public static final ConfigOption<String> TYPE =
            ConfigOptions.key("type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kind of source: mysql, for MySQL and MariaDB.");

    public static final ConfigOption<String> HOSTNAME =
            ConfigOptions.key("hostname")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Host name or IP address of the MySQL or MariaDB server.");

    public static final ConfigOption<Integer> PORT =
            ConfigOptions.key("port")
                    .intType()
                    .defaultValue(3306)
                    .withDescription("Port of the server.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "User to connect as. It needs REPLICATION SLAVE, REPLICATION CLIENT (BINLOG MONITOR"
                                    + " on MariaDB) and SELECT on the captured tables.");

    public static final ConfigOption<String> PASSWORD = SourceOptions.PASSWORD;

    public static final ConfigOption<List<String>> TABLES =
            ConfigOptions.key("tables")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription("Tables to capture, each as database.table; a name with spaces or other characters"
                            + " in double quotes, as in \"Shop Floor\".\"Order Lines\".");

    public static final ConfigOption<String> SERVER_ID =
            ConfigOptions.key("server-id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Replication server ids of the job's binlog readers, one per parallel reader, as a"
                                    + " range such as 5400-5403. Each must be unique among the server's replicas"
                                    + " and other pipelines.");

    public static final ConfigOption<String> SERVER_TIME_ZONE =
            ConfigOptions.key("server-time-zone")
                    .stringType()
                    .defaultValue("UTC")
                    .withDescription(
                            "Time zone of the server's session, used to read TIMESTAMP columns; it must match"
                                    + " the server's time_zone, which is checked at startup.");

    public static final ConfigOption<MySqlTls> TLS =
            ConfigOptions.key("tls")
                    .enumType(MySqlTls.class)
                    .defaultValue(MySqlTls.PREFERRED)
                    .withDescription(
                            "TLS on every connection to the server (the binlog reader's, the snapshot's and"
                                    + " Tidemark's own checks): preferred uses it where the server offers it;"
                                    + " required refuses a plain connection; verify-ca also verifies the server's"
                                    + " certificate against the JVM's trust store, verify-identity also its host"
                                    + " name; disabled never uses it.");

    public static final ConfigOption<Integer> SNAPSHOT_CHUNK_SIZE = SourceOptions.SNAPSHOT_CHUNK_SIZE;

    public static final ConfigOption<StartupMode> STARTUP_MODE = SourceOptions.STARTUP_MODE;

    public static final ConfigOption<TruncateHandling> TRUNCATE = SourceOptions.TRUNCATE;

    static final OptionSection SECTION = OptionSection.of(
            "source (type: mysql)",
            required(TYPE, ValueTypes.oneOf(List.of(TYPE_NAME))),
            required(HOSTNAME, ValueTypes.string()),
            withDefault(PORT, ValueTypes.integer(1, 65535)),
            required(USERNAME, ValueTypes.string()),
            required(PASSWORD, ValueTypes.secretReference()),
            required(TABLES, TableNames.sourceTableList()),
            derived(SERVER_ID, ValueTypes.serverIdRange(),
                    "`pipeline.parallelism` ids from a start derived from `pipeline.name`"),
            withDefault(SERVER_TIME_ZONE, ValueTypes.zoneId()),
            withDefault(TLS, ValueTypes.enumOf(MySqlTls.class)),
            withDefault(SNAPSHOT_CHUNK_SIZE, ValueTypes.integer(1, Integer.MAX_VALUE)),
            withDefault(STARTUP_MODE, ValueTypes.enumOf(StartupMode.class)),
            withDefault(TRUNCATE, ValueTypes.enumOf(TruncateHandling.class)));

    private MySqlSourceOptions() {}

    /**
     * The server ids used when {@link #SERVER_ID} is not set: {@code parallelism} consecutive ids
     * from a start derived from the pipeline name, so that two pipelines reading one server do not
     * take each other's id (the server drops a replica connection when another uses its id).
     */
    public static String defaultServerIds(String pipelineName, int parallelism) {
        CRC32 crc = new CRC32();
        crc.update(pipelineName.getBytes(StandardCharsets.UTF_8));
        long first = 100_000L + (crc.getValue() % 1_000_000L) * 512L;
        return first + "-" + (first + parallelism - 1);
    }

    /** Number of ids in a range accepted by {@link ValueTypes#serverIdRange()}. */
    static long serverIdCount(String range) {
        int dash = range.indexOf('-');
        if (dash < 0) {
            return 1;
        }
        return Long.parseLong(range.substring(dash + 1).trim()) - Long.parseLong(range.substring(0, dash).trim()) + 1;
    }
}
