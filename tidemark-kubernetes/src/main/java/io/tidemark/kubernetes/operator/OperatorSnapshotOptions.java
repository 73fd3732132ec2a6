package io.tidemark.kubernetes.operator;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/**
 * How long {@link OperatorSnapshotService} waits for the operations that have no timeout of their
 * own (a savepoint's wait is the request's timeout, a checkpoint's the job's checkpoint timeout).
 * Read from the configuration passed to its constructor.
 */
public final class OperatorSnapshotOptions {

    public static final ConfigOption<Duration> SUBMIT_TIMEOUT =
            ConfigOptions.key("tidemark.snapshot.kubernetes.submit-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long a restore may take: the operator redeploying the FlinkDeployment"
                                    + " (new JobManager pod, image pull, TaskManagers) until its job is RUNNING.");

    public static final ConfigOption<Duration> DISPOSE_TIMEOUT =
            ConfigOptions.key("tidemark.snapshot.kubernetes.dispose-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long disposing a savepoint may take: the operator deletes its data through"
                                    + " the running job before it lets its FlinkStateSnapshot go.");

    private OperatorSnapshotOptions() {}
}
