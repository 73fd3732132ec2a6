package io.tidemark.snapshot;

import org.apache.flink.api.common.JobID;

import java.time.Duration;

/** A completed savepoint: the job it is of, its path (a URI such as {@code s3://bucket/savepoints/savepoint-1a2b3c-...}), and how long it took. */
public record SavepointResult(JobID job, String path, Duration took) {}
