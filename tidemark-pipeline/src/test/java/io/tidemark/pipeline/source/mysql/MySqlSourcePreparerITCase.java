package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.testing.MariaDbTestServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a user gets wrong on a MySQL-family source, each caught before the job starts with one line
 * that names the setting and the fix: against real MariaDB servers of this test's own, one of them
 * without a binary log, whose global settings and users the test changes.
 */
class MySqlSourcePreparerITCase {

    private static final String SECRET = "s3cret-never-shown";

    private static MariaDbTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = MariaDbTestServer.startPrivate(true);
        server.execute("", "CREATE DATABASE shop",
                "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, note TEXT)",
                "CREATE TABLE shop.events (at DATETIME, what TEXT)",
                "CREATE USER cdc IDENTIFIED BY '" + SECRET + "'",
                "GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO cdc",
                "CREATE USER reader IDENTIFIED BY '" + SECRET + "'",
                "GRANT SELECT ON shop.* TO reader",
                "CREATE USER replicator IDENTIFIED BY '" + SECRET + "'",
                "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO replicator",
                "GRANT SELECT ON shop.events TO replicator");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void restoreBinlogSettings() {
        server.execute("", "SET GLOBAL binlog_format = 'ROW'", "SET GLOBAL binlog_row_image = 'FULL'",
                "SET GLOBAL log_bin_compress = OFF");
        if (hasBinlogLegacyEventPos()) {
            server.execute("", "SET GLOBAL binlog_legacy_event_pos = ON");
        }
    }

    @Test
    void aWellConfiguredSourcePasses() {
        assertThatCode(() -> preparer(server, "cdc", "UTC", "shop.orders").prepare()).doesNotThrowAnyException();
    }

    @Test
    void binlogOffIsOneLine() throws Exception {
        try (MariaDbTestServer withoutBinlog = MariaDbTestServer.startPrivate(false)) {
            withoutBinlog.execute("", "CREATE DATABASE shop", "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY)");
            assertThat(problems(preparer(withoutBinlog, MariaDbTestServer.USER, "UTC", "shop.orders")))
                    .containsExactly("source: the server's binary log is off (log_bin=OFF); start the server with"
                            + " --log-bin, --binlog-format=ROW and --binlog-row-image=FULL");
        }
    }

    @Test
    void aCompressedBinlogIsRefused() {
        server.execute("", "SET GLOBAL log_bin_compress = ON");

        assertThat(problems(preparer(server, "cdc", "UTC", "shop.orders"))).containsExactly(
                "source: log_bin_compress is ON, and Flink CDC 3.5 cannot read compressed binlog events: their"
                        + " changes would be lost without a trace; run SET GLOBAL log_bin_compress = OFF and set it"
                        + " off in the server's configuration");
    }

    /** MariaDB 11.4's default: the rows' events carry end_log_pos 0, which would fail the job at its first change. */
    @Test
    void binlogWithoutEventPositionsIsRefused() {
        assumeTrue(hasBinlogLegacyEventPos(), "binlog_legacy_event_pos exists from MariaDB 11.4 on; this is " + server);
        server.execute("", "SET GLOBAL binlog_legacy_event_pos = OFF");

        assertThat(problems(preparer(server, "cdc", "UTC", "shop.orders"))).containsExactly(
                "source: binlog_legacy_event_pos is OFF (the default since MariaDB 11.4), so the binary log gives the"
                        + " changes inside a transaction no position and Tidemark cannot order them; run SET GLOBAL"
                        + " binlog_legacy_event_pos = ON and set it on in the server's configuration");
    }

    private static boolean hasBinlogLegacyEventPos() {
        return server.single("", "SELECT COUNT(*) FROM information_schema.GLOBAL_VARIABLES"
                + " WHERE VARIABLE_NAME = 'BINLOG_LEGACY_EVENT_POS'").equals("1");
    }

    @Test
    void binlogFormatAndRowImageAreOneLineEach() {
        server.execute("", "SET GLOBAL binlog_format = 'STATEMENT'", "SET GLOBAL binlog_row_image = 'MINIMAL'");

        assertThat(problems(preparer(server, "cdc", "UTC", "shop.orders"))).containsExactly(
                "source: binlog_format is STATEMENT, not ROW; run SET GLOBAL binlog_format = 'ROW' and set"
                        + " binlog_format=ROW in the server's configuration",
                "source: binlog_row_image is MINIMAL, not FULL, so updates would arrive without the whole row;"
                        + " run SET GLOBAL binlog_row_image = 'FULL' and set binlog_row_image=FULL in the server's"
                        + " configuration");
    }

    @Test
    void missingReplicationGrantsAreNamed() {
        assertThat(problems(preparer(server, "reader", "UTC", "shop.orders"))).containsExactly(
                "source.username: reader lacks REPLICATION SLAVE and REPLICATION CLIENT; run GRANT REPLICATION"
                        + " SLAVE, REPLICATION CLIENT ON *.* TO 'reader'@'%'");
    }

    @Test
    void missingSelectOnATableIsNamed() {
        // BINLOG MONITOR is MariaDB's name for REPLICATION CLIENT: accepted
        assertThat(problems(preparer(server, "replicator", "UTC", "shop.orders", "shop.events"))).containsExactly(
                "source.username: replicator lacks SELECT on shop.orders; run GRANT SELECT ON `shop`.`orders` TO"
                        + " the user",
                "source.tables: table shop.events has no primary key; Tidemark needs one to apply changes exactly"
                        + " once: add a primary key or remove the table from source.tables");
    }

    @Test
    void missingTableIsNamed() {
        assertThat(problems(preparer(server, "cdc", "UTC", "shop.orders", "shop.refunds"))).containsExactly(
                "source.tables: table shop.refunds does not exist on the server; create it or remove it from"
                        + " source.tables");
    }

    @Test
    void timeZoneThatDiffersFromTheServersIsOneLine() {
        List<String> problems = problems(preparer(server, "cdc", "Asia/Tokyo", "shop.orders"));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("source.server-time-zone: Asia/Tokyo (now +09:00) differs from the"
                + " server's time zone (SYSTEM = ").endsWith("); set it to the server's zone, or TIMESTAMP values"
                + " would be shifted");
    }

    @Test
    void wrongPasswordIsOneLineWithoutTheSecret() {
        MySqlSourceDef def = new MySqlSourceDef("127.0.0.1", server.port(), "cdc", Secret.literal("wrong-" + SECRET),
                List.of("shop.orders"), "5400", "UTC", 1000, StartupMode.INITIAL);

        Exception e = catchThrowableOfType(Exception.class, () -> new MySqlSourcePreparer(def).prepare());

        assertThat(e.getMessage()).startsWith("source: cannot connect to 127.0.0.1:" + server.port() + " as cdc: ")
                .doesNotContain("\n").doesNotContain(SECRET);
    }

    private static MySqlSourcePreparer preparer(MariaDbTestServer on, String user, String zone, String... tables) {
        String password = user.equals(MariaDbTestServer.USER) ? MariaDbTestServer.PASSWORD : SECRET;
        return new MySqlSourcePreparer(new MySqlSourceDef("127.0.0.1", on.port(), user, Secret.literal(password),
                List.of(tables), "5400", zone, 1000, StartupMode.INITIAL));
    }

    /** The problem lines of a failed preparation; none of them may reveal the password. */
    private static List<String> problems(MySqlSourcePreparer preparer) {
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class, preparer::prepare);
        assertThat(e).as("expected the preparation to fail").isNotNull();
        assertThat(e.getMessage()).doesNotContain(SECRET);
        return List.of(e.getMessage().split("\n"));
    }
}
