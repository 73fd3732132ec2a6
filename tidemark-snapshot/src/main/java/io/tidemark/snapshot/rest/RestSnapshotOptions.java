package io.tidemark.snapshot.rest;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/**
 * How long {@link RestSnapshotService} waits for the operations that have no timeout of their own
 * (a savepoint's wait is the request's timeout, a checkpoint's the job's checkpoint timeout). Read
 * from the configuration passed to {@link RestSnapshotService#connect}.
 */
public final class RestSnapshotOptions {

    public static final ConfigOption<Duration> SUBMIT_TIMEOUT =
            ConfigOptions.key("tidemark.snapshot.rest.submit-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(2))
                    .withDescription(
                            "How long a job submission may take: uploading the jar, running its main"
                                    + " method on the JobManager, and the job reaching RUNNING.");

    public static final ConfigOption<Duration> DISPOSE_TIMEOUT =
            ConfigOptions.key("tidemark.snapshot.rest.dispose-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long disposing a savepoint may take (the cluster deletes every file"
                                    + " of it, which on object storage can take a while).");

    private RestSnapshotOptions() {}
}
