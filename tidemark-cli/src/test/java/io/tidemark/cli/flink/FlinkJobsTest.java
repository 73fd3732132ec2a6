package io.tidemark.cli.flink;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.IncompatibleStateException;
import io.tidemark.cli.NotFoundException;

import org.apache.flink.api.common.JobID;
import org.apache.flink.util.SerializedThrowable;
import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;

import static org.assertj.core.api.Assertions.assertThat;

/** How a failed job's error (as the REST API returns it, serialized) becomes an exit code. */
class FlinkJobsTest {

    private static final JobID JOB = new JobID();

    @Test
    void savepointThatDoesNotMatchTheOperatorsIsIncompatibleState() {
        Throwable error = new SerializedThrowable(new RuntimeException("Could not start the JobMaster.",
                new IllegalStateException("Failed to rollback to checkpoint/savepoint file:/s/savepoint-1."
                        + " Cannot map checkpoint/savepoint state for operator abc to the new program, because the"
                        + " operator is not available in the new program.")));

        Exception e = FlinkJobs.translate(JOB, error);

        assertThat(e).isInstanceOf(IncompatibleStateException.class);
        assertThat(ExitCodes.of(e)).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
    }

    @Test
    void savepointThatDoesNotExistIsNotFound() {
        Throwable error = new SerializedThrowable(new RuntimeException("Could not start the JobMaster.",
                new FileNotFoundException("Cannot find checkpoint or savepoint file/directory 'file:/s/x' on file system 'file'.")));

        Exception e = FlinkJobs.translate(JOB, error);

        assertThat(e).isInstanceOf(NotFoundException.class);
        assertThat(ExitCodes.of(e)).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void anyOtherFailureNamesTheRootCause() {
        Throwable error = new SerializedThrowable(new RuntimeException("Recovery is suppressed",
                new IllegalStateException("source: wal_level is replica")));

        Exception e = FlinkJobs.translate(JOB, error);

        assertThat(e).hasMessage("job " + JOB + " failed: IllegalStateException: source: wal_level is replica");
        assertThat(ExitCodes.of(e)).isEqualTo(ExitCodes.FAILURE);
    }
}
