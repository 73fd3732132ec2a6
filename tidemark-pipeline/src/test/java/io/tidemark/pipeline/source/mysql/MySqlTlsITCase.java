package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.MySqlTls;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.config.TruncateHandling;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.testing.MariaDbTestServer;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@code source.tls} against real MariaDB servers, one that offers TLS (a self-signed certificate)
 * and one that does not (started with {@code --skip-ssl}: MariaDB 11.4 and later offer TLS unless told
 * not to): by default Tidemark's own connections use TLS where the server offers it and fall back where
 * it does not.
 */
class MySqlTlsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    private static MariaDbTestServer withTls;
    private static MariaDbTestServer plain;

    @BeforeAll
    static void startServers() throws Exception {
        withTls = MariaDbTestServer.startPrivateWithTls();
        withTls.execute("", "CREATE DATABASE shop", "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, note TEXT)");
        plain = MariaDbTestServer.startPrivateWithoutTls();
    }

    @AfterAll
    static void stopServers() {
        for (MariaDbTestServer server : new MariaDbTestServer[] {withTls, plain}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void byDefaultTidemarksOwnConnectionsUseTlsWhereTheServerOffersIt() throws Exception {
        MySqlSourceDef def = def(withTls);

        try (Connection c = MySqlConnections.open(def)) {
            assertThat(sessionStatus(c, "Ssl_cipher")).as("the TLS cipher of Tidemark's own connection").isNotBlank();
        }
    }

    @Test
    void byDefaultTheSourceFallsBackToPlainConnectionsWhereTheServerOffersNoTls() throws Exception {
        String db = plain.createDatabase("tls_fallback");
        plain.execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY)");
        MySqlSourceDef def = def(plain, MySqlTls.PREFERRED, db + ".orders");

        assertThatCode(() -> new MySqlSourcePreparer(def).prepare()).doesNotThrowAnyException();
        try (Connection c = MySqlConnections.open(def)) {
            assertThat(sessionStatus(c, "Ssl_cipher")).isBlank();
        }
    }

    @Test
    void requiredTlsAgainstAServerWithoutTlsIsRefusedInOneLine() {
        MySqlSourceDef def = def(plain, MySqlTls.REQUIRED, "mysql.user");

        Throwable refused = catchThrowable(() -> new MySqlSourcePreparer(def).prepare());

        String prefix = "source: cannot connect to 127.0.0.1:" + plain.port() + " as " + MariaDbTestServer.USER
                + " with TLS (source.tls: required): ";
        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).doesNotContain("\n").startsWith(prefix);
        assertThat(refused.getMessage().substring(prefix.length())).as("the driver's reason").containsIgnoringCase("ssl");
    }

    /** Flink CDC's connections (the snapshot's JDBC, Debezium's binlog client) take the mode too. */
    @Test
    void aSourceWithRequiredTlsSnapshotsAndStreamsFromTheServerWithTls() throws Exception {
        withTls.execute("shop", "INSERT INTO orders VALUES (1, 'a'), (2, 'b')");
        MySqlChangeSource source = new MySqlChangeSource(def(withTls, MySqlTls.REQUIRED, "shop.orders"));
        source.prepare();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(500);
        try (CloseableIterator<ChangeEvent> events = source.createStream(env, "source").executeAndCollect()) {
            List<ChangeOperation> seen = new ArrayList<>();
            seen.add(events.next().operation());
            seen.add(events.next().operation());
            seen.add(events.next().operation()); // the end of the snapshot's one chunk
            withTls.execute("shop", "INSERT INTO orders VALUES (3, 'c')");
            seen.add(events.next().operation());

            assertThat(seen).containsExactly(ChangeOperation.SNAPSHOT, ChangeOperation.SNAPSHOT,
                    ChangeOperation.SWEEP, ChangeOperation.INSERT);
        }
    }

    private static MySqlSourceDef def(MariaDbTestServer on) {
        return new MySqlSourceDef("127.0.0.1", on.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of("shop.orders"), "5460", "UTC", 1000,
                StartupMode.INITIAL);
    }

    private static MySqlSourceDef def(MariaDbTestServer on, MySqlTls tls, String table) {
        return new MySqlSourceDef("127.0.0.1", on.port(), MariaDbTestServer.USER,
                Secret.literal(MariaDbTestServer.PASSWORD), List.of(table), "5461", "UTC", 1000,
                StartupMode.INITIAL, TruncateHandling.APPLY, tls);
    }

    private static String sessionStatus(Connection c, String name) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE '" + name + "'")) {
            return rs.next() ? rs.getString(2) : "";
        }
    }
}
