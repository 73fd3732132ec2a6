package io.tidemark.pipeline.testing;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Flink MiniCluster of a pipeline test class (one TaskManager, 4 slots, REST API), started once
 * per class that implements this; a test gets its client with {@code @InjectClusterClient}.
 */
public interface MiniClusterTests {

    @RegisterExtension
    MiniClusterExtension FLINK = cluster(new Configuration());

    /**
     * The same cluster with {@code configuration} (a metric reporter, say), for a class that needs
     * one: {@code @RegisterExtension static final MiniClusterExtension FLINK = MiniClusterTests.cluster(conf);}
     * without implementing this interface.
     */
    static MiniClusterExtension cluster(Configuration configuration) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(configuration)
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(4)
                        .build());
    }
}
