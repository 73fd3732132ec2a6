package io.tidemark.cli;

import io.tidemark.cli.flink.LocalSessionCluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * What the tests on {@code tidemark cluster start} share: one PostgreSQL server per class for their
 * {@link OrdersPipeline}s, a directory per test, and the session cluster a test started in {@link
 * #clusterDir}, stopped after each test whatever it left running.
 */
abstract class SessionClusterTestBase extends OrdersServerTestBase {

    @TempDir
    Path dir;

    /** The cluster's directory, once the test chose it. */
    Path clusterDir;

    @AfterEach
    void stopCluster() throws Exception {
        if (clusterDir != null) {
            LocalSessionCluster.stop(clusterDir);
        }
    }
}
