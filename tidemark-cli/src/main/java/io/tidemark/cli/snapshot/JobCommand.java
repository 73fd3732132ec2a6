package io.tidemark.cli.snapshot;

import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** A snapshot command about one running job of the cluster: its id, and how to reach the cluster. */
abstract class JobCommand extends SnapshotCommand {

    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job's id (32 hex digits).")
    String job;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    /** The job id given, or a usage error. */
    JobID job() {
        return jobId(job);
    }
}
