package io.tidemark.pipeline.source.postgres;

import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.testing.PostgresTestBase;
import io.tidemark.pipeline.testing.Rows;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Source tables PostgreSQL accepts but whose changes Tidemark would lose or could not apply, each
 * refused before the job starts with one line naming the table and the fix, and partitioned tables
 * prepared for capture under their own name, against a real server.
 */
class PostgresSourcePreparerITCase extends PostgresTestBase {

    @Test
    void aPartitionedTableIsAcceptedAndPublishedUnderItsOwnName() throws Exception {
        String db = createDatabase("src_partitioned");
        execute(db, "CREATE TABLE measurements (id BIGINT, region INT, value INT, PRIMARY KEY (id, region))"
                        + " PARTITION BY LIST (region)",
                "CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN (1)",
                "CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN (2)");

        preparer(db, "public.measurements").prepare();

        assertThat(count(db, "SELECT count(*) FROM pg_publication WHERE pubviaroot")).isEqualTo(1);
        assertThat(Rows.collect(connect(db), "SELECT tablename FROM pg_publication_tables"))
                .containsExactly("measurements");
    }

    @Test
    void aPartitionWithoutWholeRowsInTheWalIsNamed() {
        String db = createDatabase("src_partition_identity");
        execute(db, "CREATE TABLE measurements (id BIGINT, region INT, note TEXT, PRIMARY KEY (id, region))"
                        + " PARTITION BY LIST (region)",
                "CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN (1)",
                "CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN (2)",
                "ALTER TABLE measurements REPLICA IDENTITY FULL",
                "ALTER TABLE measurements_eu REPLICA IDENTITY FULL");

        assertThatThrownBy(() -> preparer(db, "public.measurements").prepare())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source.tables: table public.measurements_us has columns that PostgreSQL may store out of"
                        + " line (note) but its replica identity is not FULL, so an update that leaves such a value"
                        + " unchanged would arrive without it; run ALTER TABLE public.measurements_us REPLICA"
                        + " IDENTITY FULL");
    }

    @Test
    void aPublicationThatNamesPartitionsIsRefusedForAPartitionedTable() {
        String db = createDatabase("src_partition_publication");
        execute(db, "CREATE TABLE measurements (id BIGINT, region INT, PRIMARY KEY (id, region))"
                        + " PARTITION BY LIST (region)",
                "CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN (1)",
                "CREATE PUBLICATION " + db + " FOR TABLE measurements");

        assertThatThrownBy(() -> preparer(db, "public.measurements").prepare())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source.publication-name: publication " + db + " publishes the changes of partitioned"
                        + " table public.measurements under its partitions' names, which are not captured; run"
                        + " ALTER PUBLICATION \"" + db + "\" SET (publish_via_partition_root = true)");
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
