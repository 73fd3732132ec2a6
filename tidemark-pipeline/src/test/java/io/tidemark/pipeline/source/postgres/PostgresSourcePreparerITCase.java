package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.testing.PostgresTestBase;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Source tables PostgreSQL accepts but whose changes Tidemark would lose or could not apply, each
 * refused before the job starts with one line naming the table and the fix, against a real server.
 */
class PostgresSourcePreparerITCase extends PostgresTestBase {

    @Test
    void aPartitionedTableIsRefusedInsteadOfStayingEmpty() {
        String db = createDatabase("src_partitioned");
        execute(db, "CREATE TABLE measurements (id BIGINT, region INT, value INT, PRIMARY KEY (id, region))"
                        + " PARTITION BY LIST (region)",
                "CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN (1)",
                "CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN (2)");

        assertThatThrownBy(() -> preparer(db, "public.measurements").prepare())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source.tables: table public.measurements is partitioned (partitions"
                        + " public.measurements_eu, public.measurements_us), and its changes reach the slot only"
                        + " under the partitions' names, which Tidemark does not capture yet: list the partitions"
                        + " in source.tables instead, each routed to the sink table");
    }

    @Test
    void aPartitionIsCapturedLikeAnyTable() {
        String db = createDatabase("src_partition");
        execute(db, "CREATE TABLE measurements (id BIGINT, region INT, value INT, PRIMARY KEY (id, region))"
                        + " PARTITION BY LIST (region)",
                "CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN (1)");

        assertThatCode(() -> preparer(db, "public.measurements_eu").prepare()).doesNotThrowAnyException();
    }

    @Test
    void replicaIdentityNothingIsRefused() {
        String db = createDatabase("src_identity_nothing");
        execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, amount INT)",
                "ALTER TABLE orders REPLICA IDENTITY NOTHING");

        assertThatThrownBy(() -> preparer(db, "public.orders").prepare())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source.tables: table public.orders has REPLICA IDENTITY NOTHING, so its deletes"
                        + " reach the WAL without the primary key and could not be applied; run ALTER TABLE"
                        + " public.orders REPLICA IDENTITY DEFAULT (or FULL)");
    }

    @Test
    void replicaIdentityUsingAnIndexOtherThanThePrimaryKeyIsRefused() {
        String db = createDatabase("src_identity_index");
        execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, code TEXT NOT NULL, amount INT)",
                "CREATE UNIQUE INDEX orders_code_key ON orders (code)",
                "ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_code_key");

        assertThatThrownBy(() -> preparer(db, "public.orders").prepare())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source.tables: table public.orders has REPLICA IDENTITY USING INDEX orders_code_key"
                        + " (code), which is not its primary key (id), so its deletes reach the WAL without the"
                        + " primary key and could not be applied; run ALTER TABLE public.orders REPLICA IDENTITY"
                        + " FULL");
    }

    @Test
    void replicaIdentityUsingAnIndexOnThePrimaryKeyColumnsPasses() {
        String db = createDatabase("src_identity_pk_index");
        execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, amount INT)",
                "CREATE UNIQUE INDEX orders_id_copy ON orders (id)",
                "ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_id_copy");

        assertThatCode(() -> preparer(db, "public.orders").prepare()).doesNotThrowAnyException();
    }

    private static PostgresSourcePreparer preparer(String db, String table) {
        String slot = db.replace('-', '_');
        return new PostgresSourcePreparer(new PostgresSourceDef("127.0.0.1", port(), db, "postgres",
                Secret.literal("postgres"), List.of(table), slot, slot, 1000, StartupMode.INITIAL));
    }
}
