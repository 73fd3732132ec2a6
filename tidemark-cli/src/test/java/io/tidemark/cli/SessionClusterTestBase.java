package io.tidemark.cli;

import io.tidemark.cli.flink.LocalSessionCluster;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the tests on {@code tidemark cluster start} share: one PostgreSQL server per class for their
 * {@link OrdersPipeline}s, a directory per test, and the session cluster a test started in {@link
 * #clusterDir}, stopped after each test whatever it left running.
 */
abstract class SessionClusterTestBase {

    static EmbeddedPostgres postgres;

    @TempDir
    Path dir;

    /** The cluster's directory, once the test chose it. */
    Path clusterDir;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = OrdersPipeline.startServer();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (clusterDir != null) {
            LocalSessionCluster.stop(clusterDir);
        }
    }
}
