package io.tidemark.snapshot;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;

import java.time.Instant;

/** A job as the cluster reports it. */
public record JobSummary(JobID id, String name, JobStatus status, Instant startTime) {}
