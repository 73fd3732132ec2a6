package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A savepoint without a target directory on a cluster that has no default one (no
 * {@code execution.checkpointing.savepoint-dir}): Flink refuses the request, and the message says
 * which of the two to provide. A cluster of its own, since the default is cluster configuration.
 */
class RestSnapshotServiceWithoutSavepointDirITCase {

    @TempDir
    static Path root;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @Test
    void aSavepointWithoutDirectoryNamesTheOptionToSet() throws Exception {
        Configuration client = CLUSTER.getClientConfiguration();
        URI address = URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT));
        try (RestSnapshotService service = RestSnapshotService.connect(address, new Configuration(), Duration.ofSeconds(10))) {
            JobID job = service.submit(new JobSubmission(CountingJobJar.write(root.resolve("counting-job.jar")),
                    CountingJob.class.getName(), List.of("--out", root.resolve("counts.txt").toString()), null,
                    RestoreMode.NO_CLAIM, false), ProgressListener.NONE);
            SavepointRequest withoutDirectory = new SavepointRequest(null, SavepointFormatType.CANONICAL, Duration.ofSeconds(30));

            for (Call call : List.<Call>of(
                    () -> service.triggerSavepoint(job, withoutDirectory, ProgressListener.NONE),
                    () -> service.stopWithSavepoint(job, withoutDirectory, false, ProgressListener.NONE))) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(SnapshotException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.OPERATION_FAILED);
                    assertThat(e.getMessage()).isEqualTo("savepoint of job " + job + " failed: the cluster has no default"
                            + " savepoint directory; pass a target directory, or set "
                            + CheckpointingOptions.SAVEPOINT_DIRECTORY.key() + " in the cluster's configuration");
                });
            }
        }
    }

    private interface Call {
        void run() throws Exception;
    }
}
