package io.tidemark.snapshot.rest;

import io.tidemark.snapshot.JobFailure;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.rest.messages.JobExceptionsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobExceptionsMessageParameters;

import java.util.Comparator;
import java.util.List;

/**
 * A job's failures through REST: Flink's exception history ({@code /jobs/:id/exceptions}), which
 * the JobManager serves from a cache refreshed every {@code web.refresh-interval}, each entry read as
 * a {@link JobFailure}, oldest first.
 */
final class RestJobFailures {

    private RestJobFailures() {}

    static List<JobFailure> read(RestCalls calls, JobID job) throws Exception {
        JobExceptionsMessageParameters parameters = new JobExceptionsMessageParameters();
        parameters.jobPathParameter.resolve(job);
        return calls.call(calls.get(JobExceptionsHeaders.getInstance(), parameters), "reading the failures of job " + job, job)
                .getExceptionHistory().getEntries().stream()
                .map(JobFailure::of)
                .sorted(Comparator.comparing(JobFailure::time))
                .toList();
    }
}
