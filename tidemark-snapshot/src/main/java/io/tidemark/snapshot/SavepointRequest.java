package io.tidemark.snapshot;

import org.apache.flink.core.execution.SavepointFormatType;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * How to take a savepoint: where to ({@code null}: the cluster's {@code execution.checkpointing.savepoint-dir}),
 * in which format (canonical: portable across state backends; native: faster, same backend only),
 * and how long to wait for it.
 */
public record SavepointRequest(@Nullable String targetDirectory, SavepointFormatType format, Duration timeout) {

    public SavepointRequest {
        Objects.requireNonNull(format, "format cannot be null");
        Objects.requireNonNull(timeout, "timeout cannot be null");
    }
}
