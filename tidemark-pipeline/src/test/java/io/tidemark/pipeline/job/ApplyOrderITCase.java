package io.tidemark.pipeline.job;

import io.tidemark.pipeline.config.ApplyOrder;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.testing.CustomersWorkload;
import io.tidemark.pipeline.testing.FailureInjector;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.MiniClusterTests;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.Rows;
import io.tidemark.pipeline.testing.TestJobs;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Sink tables whose constraints span rows — a unique email besides the primary key, a foreign key
 * from purchases to customers — with changes that swap unique values between rows, move children
 * between parents and delete parents with their children. With {@code apply-order: source} and
 * failures injected, the sink ends equal to the source with an empty dead-letter queue and no row
 * gone back; in the default order the same sink tables are refused at start.
 */
class ApplyOrderITCase extends PostgresTestBase implements MiniClusterTests {

    private static final String CUSTOMERS = "id, email, name, version";
    private static final String PURCHASES = "id, customer_id, amount, version";

    @TempDir
    Path temp;

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @Test
    void sourceOrderKeepsUniqueAndForeignKeysThroughFailures(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_apply_order");
        String sink = createDatabase("sink_apply_order");
        runDdl(source, "customers-purchases");
        runDdl(sink, "customers-purchases");
        PipelineDef def = withApplyOrder(pipeline("it-apply-order", source, sink,
                List.of("public.customers", "public.purchases"), temp, 2), ApplyOrder.SOURCE);
        String scenario = "apply-order-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 300, 900, 1_500);
        job.prepare();
        runDdl(sink, "customers-purchases-audit");

        CustomersWorkload workload = new CustomersWorkload(41);
        try (Connection c = connect(source)) {
            workload.seed(c, 200);
        }
        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> count(sink, "SELECT count(*) FROM purchases") >= 200);
            try (Connection c = connect(source)) {
                for (int round = 0; round < 6; round++) {
                    workload.run(c, 150);
                    Thread.sleep(200);
                }
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    rows(source, "customers", CUSTOMERS, "id").equals(rows(sink, "customers", CUSTOMERS, "id"))
                            && rows(source, "purchases", PURCHASES, "id").equals(rows(sink, "purchases", PURCHASES, "id")));

            assertThat(rows(sink, "customers", CUSTOMERS, "id")).containsExactlyElementsOf(rows(source, "customers", CUSTOMERS, "id"));
            assertThat(rows(sink, "purchases", PURCHASES, "id")).containsExactlyElementsOf(rows(source, "purchases", PURCHASES, "id"));
            assertThat(count(sink, "SELECT count(*) FROM _tidemark_dlq")).as("nothing rejected").isZero();
            assertThat(count(sink, "SELECT count(*) FROM (SELECT op, pos, lag(pos) OVER (PARTITION BY tbl, id ORDER BY seq)"
                    + " prev FROM audit) a WHERE op <> 'DELETE' AND prev IS NOT NULL AND pos <= prev"))
                    .as("row versions written at or below an earlier position").isZero();
            assertThat(count(sink, "SELECT count(*) FROM audit WHERE tbl = 'customers' AND op = 'UPDATE'"))
                    .as("swaps reached the sink").isGreaterThan(100);
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

    @Test
    void sourceOrderOnMariaDbKeepsTheUniqueIndexFromMergingRows(@InjectClusterClient RestClusterClient<?> client)
            throws Exception {
        String source = createDatabase("src_apply_order_maria");
        runDdl(source, "customers-purchases");
        String sinkDb = mariadb.createDatabase("sink_apply_order");
        mariadb.execute(sinkDb,
                "CREATE TABLE customers (id BIGINT PRIMARY KEY, email VARCHAR(100) NOT NULL, name TEXT NOT NULL,"
                        + " version INT NOT NULL, CONSTRAINT customers_email_key UNIQUE (email)) ENGINE=InnoDB",
                "CREATE TABLE purchases (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, amount DECIMAL(12, 2) NOT NULL,"
                        + " version INT NOT NULL, CONSTRAINT purchases_customer_fkey FOREIGN KEY (customer_id)"
                        + " REFERENCES customers (id)) ENGINE=InnoDB");
        PipelineDef base = pipeline("it-apply-order-maria", source, "unused",
                List.of("public.customers", "public.purchases"), temp, 2);
        JdbcSinkDef sink = new JdbcSinkDef("warehouse", mariadb.jdbcUrl(sinkDb) + "?useSSL=false",
                MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD), 2000, Duration.ofMillis(100), 2,
                Duration.ofDays(7), 3, ApplyOrder.SOURCE);
        PipelineDef def = new PipelineDef(base.name(), base.parallelism(), base.source(), List.of(sink),
                List.of(new RouteDef("public.customers", "warehouse", sinkDb + ".customers"),
                        new RouteDef("public.purchases", "warehouse", sinkDb + ".purchases")), base.checkpointing());
        String scenario = "apply-order-maria-" + System.nanoTime();
        PipelineJob job = TestJobs.failingAt(def, scenario, 300, 900, 1_500);
        job.prepare();

        CustomersWorkload workload = new CustomersWorkload(43);
        try (Connection c = connect(source)) {
            workload.seed(c, 200);
        }
        JobID jobId = TestJobs.submit(client, job);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> mariaRows(sinkDb, "purchases", PURCHASES).size() >= 200);
            try (Connection c = connect(source)) {
                for (int round = 0; round < 6; round++) {
                    workload.run(c, 150);
                    Thread.sleep(200);
                }
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> FailureInjector.failures(scenario) >= 3);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    postgresRows(source, "customers", CUSTOMERS).equals(mariaRows(sinkDb, "customers", CUSTOMERS))
                            && postgresRows(source, "purchases", PURCHASES).equals(mariaRows(sinkDb, "purchases", PURCHASES)));
            assertThat(mariaRows(sinkDb, "customers", CUSTOMERS)).containsExactlyElementsOf(postgresRows(source, "customers", CUSTOMERS));
            assertThat(mariaRows(sinkDb, "_tidemark_dlq", "id")).as("nothing rejected").isEmpty();
        } finally {
            TestJobs.cancel(client, jobId);
        }
    }

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
        return Rows.collect(connect(db), "SELECT concat_ws('|', " + columns + ") FROM " + table + " ORDER BY id");
    }

    private List<String> mariaRows(String db, String table, String columns) throws Exception {
        return Rows.collect(mariadb.connect(db), "SELECT CONCAT_WS('|', " + columns + ") FROM " + table + " ORDER BY id");
    }
}
