package io.tidemark.pipeline.testing;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Flink MiniCluster of a pipeline test class (one TaskManager, 4 slots, REST API), started once
 * per class that implements this; a test gets its client with {@code @InjectClusterClient}.
 */
public interface MiniClusterTests {

    @RegisterExtension
    MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());
}
