package io.tidemark.cli.snapshot;

import io.tidemark.cli.PipelineJobMain;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.core.execution.SavepointFormatType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The two halves of every controlled restart a command drives on a session cluster (a schema
 * change, a disaster-recovery drill): stop the pipeline's job with a savepoint into the pipeline's
 * savepoint directory, and start it again from one, after checking that the source still holds its
 * position, by uploading the job jar as {@code tidemark restore} does.
 */
public final class PipelineRestarts {

    private final SnapshotService service;
    private final PipelineDef def;
    private final ProgressListener progress;

    public PipelineRestarts(SnapshotService service, PipelineDef def, ProgressListener progress) {
        this.service = service;
        this.def = def;
        this.progress = progress;
    }

    /** Stops the job with a canonical savepoint; returns its path. */
    public String stop(JobID job, Duration timeout) throws Exception {
        return service.stopWithSavepoint(job,
                new SavepointRequest(def.checkpointing().savepointsDir(), SavepointFormatType.CANONICAL, timeout),
                false, progress).path();
    }

    /**
     * Starts the pipeline from {@code savepoint}: {@code configPath} is the pipeline file as the
     * JobManager sees it, {@code jar} the job jar to upload.
     */
    public JobID restore(String savepoint, String configPath, Path jar) throws Exception {
        PipelineJob.of(def).checkResumable(savepoint);
        return service.submit(new JobSubmission(jar, PipelineJobMain.class.getName(), List.of("--config", configPath),
                savepoint, RestoreMode.NO_CLAIM, false), progress);
    }
}
