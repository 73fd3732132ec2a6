package io.tidemark.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

/**
 * One embedded PostgreSQL server ({@link OrdersPipeline#startServer()}) per test class, for the CLI
 * tests that run {@link OrdersPipeline}s on it: the class's pipelines each get their own databases.
 */
abstract class OrdersServerTestBase {

    static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = OrdersPipeline.startServer();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }
}
